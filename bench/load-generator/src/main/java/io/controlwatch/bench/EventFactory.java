package io.controlwatch.bench;

import io.controlwatch.model.ExecutionIds;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * The events of one bench run. Everything about event {@code seq} (type, subject, whether it violates a control)
 * follows from the run's seed and {@code seq} alone, so the checker recomputes exactly which executions and
 * failures must exist from the sequence numbers the ingest API accepted, without trusting any count.
 * <p>
 * Each run has its own CloudEvents {@code source} ({@code urn:cw-bench:<run id>}), so runs never mix;
 * each event's {@code id} is {@code <run id>-<seq>} and its {@code time} is the moment it was sent.
 */
final class EventFactory {

    /** The control the bench checks: a successful {@code auth.login} without MFA violates it. */
    static final String CONTROL = "cc6.1-console-login-mfa";

    enum Kind {
        /** auth.login, success, no MFA: FAIL. */
        VIOLATING_LOGIN,
        /** auth.login, success with MFA: PASS. */
        COMPLIANT_LOGIN,
        /**
         * auth.login that failed (wrong password), no MFA: not a successful login, so never a FAIL of the MFA
         * control; whether it is tested at all (a PASS) or ignored is the pack's choice (the shipped one ignores it).
         */
        FAILED_LOGIN,
        BACKUP,
        UPTIME,
        PULL_REQUEST;

        boolean isLogin() {
            return this == VIOLATING_LOGIN || this == COMPLIANT_LOGIN || this == FAILED_LOGIN;
        }
    }

    private static final String[] APPS = {"aws-console", "github", "okta-admin", "jira", "salesforce", "gcp-console"};
    private static final String[] SYSTEMS = {"postgres-prod", "s3-audit-logs", "gitlab-data", "hr-fileshare"};
    private static final String[] TARGETS = {"https://app.example.com/health", "https://api.example.com/health",
            "https://status.example.com"};
    private static final String[] REPOS = {"example-org/api", "example-org/web", "example-org/infra"};
    private static final int USERS = 2000;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ISO_INSTANT;

    private final String runId;
    private final long seed;
    private final double loginShare;
    private final double violationShare;
    private final String source;

    /**
     * @param loginShare     share of all events that are {@code auth.login} (the rest no control applies to)
     * @param violationShare share of all events that violate the control (at most {@code loginShare})
     */
    EventFactory(String runId, long seed, double loginShare, double violationShare) {
        if (violationShare < 0 || loginShare > 1 || violationShare > loginShare) {
            throw new IllegalArgumentException("need 0 <= violation share <= login share <= 1");
        }
        this.runId = runId;
        this.seed = seed;
        this.loginShare = loginShare;
        this.violationShare = violationShare;
        this.source = "urn:cw-bench:" + runId;
    }

    static EventFactory of(RunManifest m) {
        return new EventFactory(m.runId(), m.seed(), m.loginShare(), m.violationShare());
    }

    String source() {
        return source;
    }

    String id(long seq) {
        return runId + "-" + seq;
    }

    /** Parses {@link #id(long)} back; -1 if the id is not one of this run's. */
    long seqOf(String id) {
        if (id == null || !id.startsWith(runId) || id.length() <= runId.length() + 1 || id.charAt(runId.length()) != '-') {
            return -1;
        }
        try {
            return Long.parseLong(id, runId.length() + 1, id.length(), 10);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    Kind kind(long seq) {
        double u = unit(seq, 1);
        if (u < violationShare) {
            return Kind.VIOLATING_LOGIN;
        }
        if (u < loginShare) {
            return unit(seq, 2) < 0.125 ? Kind.FAILED_LOGIN : Kind.COMPLIANT_LOGIN;
        }
        return switch ((int) (unit(seq, 3) * 3)) {
            case 0 -> Kind.BACKUP;
            case 1 -> Kind.UPTIME;
            default -> Kind.PULL_REQUEST;
        };
    }

    /** The execution id the control must produce for this event, or null if no control applies to it. */
    String executionId(long seq) {
        return kind(seq).isLogin() ? ExecutionIds.of(CONTROL, source, id(seq)) : null;
    }

    /** A JSON array of {@code count} events from {@code firstSeq}, all stamped with {@code sentAt}. */
    String batch(long firstSeq, int count, Instant sentAt) {
        StringBuilder json = new StringBuilder(count * 480 + 2).append('[');
        String time = TIME.format(sentAt.truncatedTo(ChronoUnit.MICROS));
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                json.append(',');
            }
            appendEvent(json, firstSeq + i, time);
        }
        return json.append(']').toString();
    }

    String event(long seq, Instant sentAt) {
        StringBuilder json = new StringBuilder(480);
        appendEvent(json, seq, TIME.format(sentAt.truncatedTo(ChronoUnit.MICROS)));
        return json.toString();
    }

    private void appendEvent(StringBuilder json, long seq, String time) {
        Kind kind = kind(seq);
        String user = "user" + pick(seq, 4, USERS) + "@bench.example.com";
        String type;
        String subject;
        String data;
        switch (kind) {
            case VIOLATING_LOGIN, COMPLIANT_LOGIN, FAILED_LOGIN -> {
                type = "auth.login";
                subject = user;
                boolean mfa = kind == Kind.COMPLIANT_LOGIN;
                String outcome = kind == Kind.FAILED_LOGIN ? "failure" : "success";
                data = "{\"user\":\"" + user + "\",\"mfa\":" + mfa + ",\"outcome\":\"" + outcome
                        + "\",\"ip\":\"198.51.100." + pick(seq, 5, 250) + "\",\"app\":\"" + APPS[pick(seq, 6, APPS.length)]
                        + "\",\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0\",\"sessionId\":\""
                        + Long.toHexString(mix(seed + seq * 31 + 7)) + "\"}";
            }
            case BACKUP -> {
                type = "backup.completed";
                subject = SYSTEMS[pick(seq, 6, SYSTEMS.length)];
                data = "{\"system\":\"" + subject + "\",\"status\":\"" + (pick(seq, 7, 100) < 5 ? "failed" : "success")
                        + "\",\"sizeBytes\":" + (1_000_000L + pick(seq, 8, 900_000_000)) + ",\"durationSeconds\":"
                        + (30 + pick(seq, 9, 3000)) + ",\"storageClass\":\"GLACIER_IR\",\"encrypted\":true}";
            }
            case UPTIME -> {
                type = "uptime.check";
                subject = TARGETS[pick(seq, 6, TARGETS.length)];
                data = "{\"target\":\"" + subject + "\",\"status\":\"" + (pick(seq, 7, 100) < 2 ? "down" : "up")
                        + "\",\"latencyMs\":" + (20 + pick(seq, 8, 400)) + ",\"region\":\"eu-west-1\",\"probe\":\"probe-"
                        + pick(seq, 9, 12) + "\"}";
            }
            default -> {
                type = "vcs.pull_request.merged";
                String repo = REPOS[pick(seq, 6, REPOS.length)];
                int number = 100 + pick(seq, 7, 9000);
                subject = repo + "#" + number;
                data = "{\"repository\":\"" + repo + "\",\"number\":" + number + ",\"author\":\"" + user
                        + "\",\"approvals\":" + pick(seq, 8, 3) + ",\"baseBranch\":\"main\",\"checksPassed\":true}";
            }
        }
        json.append("{\"specversion\":\"1.0\",\"id\":\"").append(id(seq))
                .append("\",\"source\":\"").append(source)
                .append("\",\"type\":\"").append(type)
                .append("\",\"subject\":\"").append(subject)
                .append("\",\"time\":\"").append(time)
                .append("\",\"datacontenttype\":\"application/json\",\"data\":").append(data).append('}');
    }

    /** A uniform double in [0, 1) for (seq, salt). */
    private double unit(long seq, int salt) {
        return (mix(seed ^ (seq * 0x9E3779B97F4A7C15L) ^ ((long) salt << 56)) >>> 11) * 0x1.0p-53;
    }

    private int pick(long seq, int salt, int n) {
        return (int) (unit(seq, salt) * n);
    }

    /** SplitMix64's finaliser: cheap, well-mixed, deterministic. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
