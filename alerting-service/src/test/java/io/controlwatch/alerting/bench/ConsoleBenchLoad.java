package io.controlwatch.alerting.bench;

import io.controlwatch.evidence.EvidenceRow;
import io.controlwatch.testsupport.TestTokens;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

/**
 * Loads what the web console reads at volume for {@code bench/console-benchmark.sh}: N chained executions of five
 * controls of the shipped pack, spread evenly over the last D days up to now (a fifth of each control's failing),
 * their control_failure rows and control counters as the recorder keeps them, and M findings made of those failures,
 * with evidence and history rows: most resolved (by the control's next pass or by a person), the younger ones more
 * often open or acknowledged, assignees, SLA deadlines by severity. The executions go through
 * {@link ExportBenchLoad#copyExecutions} (the project's chain code, COPY); the rest is COPY or set-based SQL.
 *
 * <p>Arguments: jdbc-url user executions findings partitions days. Prints {@code LOADED executions=… findings=…
 * unresolved=… busiest=… seconds=…}. With {@code token work-dir}: ExportBenchLoad's key and auditor token, and an
 * analyst token signed with the same key.
 */
public final class ConsoleBenchLoad {

    /** A control of the shipped pack (control-packs/soc2/controls.yaml), as the loader makes its executions. */
    record BenchControl(String id, String title, List<String> criteria, String severity, String owner,
                        String source, String type, Duration sla) {
    }

    // title, criteria, severity and owner as in the shipped pack; SLA as FindingsConfig's defaults per severity
    static final List<BenchControl> CONTROLS = List.of(
            new BenchControl("cc6.1-console-login-mfa", "Console logins require MFA", List.of("CC6.1"), "high",
                    "identity-and-access", "urn:controlwatch:source:okta", "auth.login", Duration.ofHours(24)),
            new BenchControl("cc6.2-terminated-user-login", "Terminated employees cannot log in", List.of("CC6.2"),
                    "critical", "identity-and-access", "urn:controlwatch:source:okta", "auth.login", Duration.ofHours(4)),
            new BenchControl("cc7.2-failed-login-burst", "No burst of failed logins for one user", List.of("CC7.2"),
                    "medium", "security-operations", "urn:controlwatch:source:okta", "auth.login.failed",
                    Duration.ofHours(168)),
            new BenchControl("cc8.1-pr-merged-without-approval",
                    "Pull requests are approved by someone other than the author before merge", List.of("CC8.1"),
                    "high", "release-engineering", "urn:controlwatch:source:github", "scm.pull_request.merged",
                    Duration.ofHours(24)),
            new BenchControl("a1.2-database-backup-26h",
                    "Every database has a successful backup at least every 26 hours", List.of("A1.2"), "high",
                    "platform", "urn:controlwatch:source:aws", "backup.completed", Duration.ofHours(24)));
    static final int N = 5; // CONTROLS.size(): execution i is of control i % N
    /** Executions of one control fail one round in five; five rounds (a block) share one subject. */
    static final int FAIL_EVERY = 5;
    static final int SUBJECTS = 20_000;
    static final List<String> PEOPLE = List.of("oncall-user", "analyst-user", "alice", "bob", "chen", "dana", "emeka",
            "farah", "gus", "hana", "ivan", "jo");

    private final Instant t0;
    private final long stepMillis;

    private ConsoleBenchLoad(Instant t0, long stepMillis) {
        this.t0 = t0;
        this.stepMillis = stepMillis;
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("token")) {
            ExportBenchLoad.main(args); // the same JVM, so the same key signs both tokens
            Files.writeString(Path.of(args[1]).resolve("analyst.token"), TestTokens.withRoles("analyst"));
            return;
        }
        String url = args[0];
        String user = args[1];
        long executions = Long.parseLong(args[2]);
        long findings = Long.parseLong(args[3]);
        int partitions = Integer.parseInt(args[4]);
        int days = Integer.parseInt(args[5]);

        // the newest execution a minute ago, the oldest `days` earlier: the console's periods end now
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        long step = Duration.ofDays(days).toMillis() / executions;
        ConsoleBenchLoad load = new ConsoleBenchLoad(now.minus(Duration.ofDays(days)).minusSeconds(60), step);
        long start = System.nanoTime();
        long unresolved;
        try (Connection c = DriverManager.getConnection(url, user, "")) {
            for (BenchControl b : CONTROLS) {
                ExportBenchLoad.control(c, b.id(), b.title(), b.criteria(), b.severity(), b.owner());
            }
            ExportBenchLoad.copyExecutions(c, executions, partitions, load::row);
            try (Statement s = c.createStatement()) {
                // what EvidenceRepository's insert writes beside each stored execution: the failure row and the
                // control's counters
                s.execute("""
                        insert into control_failure (execution_id, control_id, control_version, control_title, criteria,
                            severity, reason, subject, event_id, event_source, event_type, event_time, detected_at,
                            evidence_event_ids, submitter, backfilled, message, exemption_id, recorded_at)
                        select e.execution_id, e.control_id, e.control_version, c.title, e.criteria, e.severity,
                               e.reason, e.subject, e.event_id, e.event_source, e.event_type, e.event_time,
                               e.evaluated_at, e.evidence_event_ids, e.submitter, e.backfilled, e.message,
                               e.exemption_id, e.recorded_at
                        from control_execution e join control c on c.control_id = e.control_id
                        where e.result = 'FAIL'""");
                s.execute("""
                        update control c set executions = n.executions, passes = n.passes, failures = n.failures,
                               errors = n.errors, last_executed_at = n.last_at
                        from (select control_id, count(*) as executions,
                                     count(*) filter (where result = 'PASS') as passes,
                                     count(*) filter (where result = 'FAIL') as failures,
                                     count(*) filter (where result = 'ERROR') as errors,
                                     max(evaluated_at) as last_at
                              from control_execution group by control_id) n
                        where n.control_id = c.control_id""");
            }
            unresolved = load.copyFindings(c, executions, findings, now);
            try (Statement s = c.createStatement()) {
                // a store that has run for months has been vacuumed and analysed by autovacuum; a fresh COPY has not
                for (String table : List.of("control", "control_execution", "control_failure", "finding",
                        "finding_evidence", "finding_history")) {
                    s.execute("vacuum analyze " + table);
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "LOADED executions=%d findings=%d unresolved=%d days=%d busiest=%s "
                        + "busiest_executions=%d seconds=%.1f from=%s to=%s%n", executions, findings, unresolved, days,
                CONTROLS.get(0).id(), (executions + N - 1) / N, seconds, load.t0, now);
    }

    /** Execution i: control i % N at t0 + i steps; round i / N fails one time in five; a block of rounds, one subject. */
    EvidenceRow row(long i) {
        BenchControl b = CONTROLS.get((int) (i % N));
        long round = i / N;
        boolean fail = round % FAIL_EVERY == 0;
        Instant t = time(i);
        String event = "evt-" + i;
        return new EvidenceRow(ExportBenchLoad.executionId(i), b.id(), "sha256:bench", b.criteria(), b.severity(),
                fail ? "FAIL" : "PASS", fail ? "violated: " + b.type() : null,
                fail ? b.title() + ": not met for " + subject(i) : null, subject(i), event, b.source(), b.type(), t,
                t.plusMillis(120), t.plusMillis(180), "soc2-core", "sha256:benchpack", List.of(event), false, false,
                "source:" + b.source().substring(b.source().lastIndexOf(':') + 1), null);
    }

    private Instant time(long i) {
        return t0.plusMillis(i * stepMillis);
    }

    private static String subject(long i) {
        long block = i / N / FAIL_EVERY;
        return "user:u" + Math.floorMod(mix(block), SUBJECTS) + "@example.com";
    }

    /**
     * Finding k is made of failure number {@code k * stride} (failures are spread evenly over the executions); it
     * opened when that failure was stored. Younger findings are more often still open or acknowledged; at most one
     * unresolved finding per (control, subject), as the index finding_unresolved requires.
     *
     * @return how many findings are unresolved (OPEN or ACKNOWLEDGED)
     */
    long copyFindings(Connection c, long executions, long findings, Instant now) throws Exception {
        long failures = executions / (N * FAIL_EVERY) * N; // of whole blocks: each has one failure per control
        if (findings > failures) {
            throw new IllegalArgumentException("at most " + failures + " findings from " + executions + " executions");
        }
        double stride = (double) failures / findings;
        CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
        String findingSql = "copy finding (finding_id, control_id, control_title, subject, subject_key, status, "
                + "severity, criteria, owner, message, reason, opened_at, first_seen_at, last_seen_at, failure_count, "
                + "sla_due_at, sla_breached, acknowledged_at, acknowledged_by, assignee, resolved_at, resolved_by, "
                + "resolution_reason, resolving_execution_id, quiet, updated_at, version) from stdin";
        String evidenceSql = "copy finding_evidence (finding_id, execution_id, result, event_time) from stdin";
        String historySql = "copy finding_history (finding_id, at, actor, action, from_status, to_status, comment) "
                + "from stdin";
        StringBuilder f = new StringBuilder();
        StringBuilder e = new StringBuilder();
        StringBuilder h = new StringBuilder();
        Set<String> unresolvedKeys = new HashSet<>();
        long unresolved = 0;
        for (long k = 0; k < findings; k++) {
            long failure = (long) (k * stride);
            long i = failure / N * N * FAIL_EVERY + failure % N; // the failing round of its block, its control
            BenchControl b = CONTROLS.get((int) (i % N));
            String subject = subject(i);
            Instant failedAt = time(i);
            Instant opened = failedAt.plusSeconds(1);
            String id = new UUID(0x0000000000004000L, 0x9000000000000000L | k).toString();
            long r = Math.floorMod(mix(k), 100);
            long ageDays = Duration.between(opened, now).toDays();
            int openPct = ageDays < 14 ? 45 : ageDays < 60 ? 4 : 1;
            int ackPct = ageDays < 14 ? 25 : ageDays < 60 ? 4 : 1;
            String status = r < openPct ? "OPEN" : r < openPct + ackPct ? "ACKNOWLEDGED" : "RESOLVED";
            if (!status.equals("RESOLVED") && !unresolvedKeys.add(b.id() + "|" + subject)) {
                status = "RESOLVED"; // the (control, subject) already has an unresolved finding
            }
            String person = PEOPLE.get((int) Math.floorMod(mix(k + 1), PEOPLE.size()));
            String assignee = Math.floorMod(mix(k + 2), 10) < 6 ? PEOPLE.get((int) Math.floorMod(mix(k + 3), PEOPLE.size())) : null;
            Instant due = opened.plus(b.sla());
            Instant ackAt = null;
            Instant resolvedAt = null;
            String resolvedBy = null;
            String resolution = null;
            String resolving = null;
            boolean byControl = false;
            h.append(id).append('\t').append(opened).append("\tcontrol\topened\t\\N\tOPEN\t\\N\n");
            e.append(id).append('\t').append(ExportBenchLoad.executionId(i)).append("\tFAIL\t").append(failedAt).append('\n');
            if (status.equals("ACKNOWLEDGED") || (status.equals("RESOLVED") && r % 2 == 0)) {
                ackAt = opened.plusSeconds(60 + Math.floorMod(mix(k + 4), 8 * 3600));
                if (ackAt.isAfter(now)) {
                    ackAt = now;
                }
                h.append(id).append('\t').append(ackAt).append('\t').append(person).append("\tacknowledged\tOPEN\tACKNOWLEDGED\t\\N\n");
            }
            if (assignee != null && ackAt != null) {
                h.append(id).append('\t').append(ackAt).append('\t').append(person).append("\tassigned\tACKNOWLEDGED\tACKNOWLEDGED\tto ")
                        .append(assignee).append('\n');
            }
            if (status.equals("RESOLVED")) {
                byControl = r % 4 == 1 && i + N < executions;
                if (byControl) {
                    // the control's next round, in the same block: a pass for the same subject
                    resolving = ExportBenchLoad.executionId(i + N);
                    resolvedAt = time(i + N).plusSeconds(1);
                    resolvedBy = "control";
                    resolution = "the control passed";
                    e.append(id).append('\t').append(resolving).append("\tPASS\t").append(time(i + N)).append('\n');
                } else {
                    Instant after = ackAt == null ? opened : ackAt;
                    resolvedAt = after.plusSeconds(3600 + Math.floorMod(mix(k + 5), 20 * 86_400));
                    if (resolvedAt.isAfter(now)) {
                        resolvedAt = now;
                    }
                    resolvedBy = person;
                    resolution = "fixed: ticket SEC-" + k;
                }
                h.append(id).append('\t').append(resolvedAt).append('\t').append(resolvedBy).append("\tresolved\t")
                        .append(ackAt == null ? "OPEN" : "ACKNOWLEDGED").append("\tRESOLVED\t").append(resolution).append('\n');
            } else {
                unresolved++;
            }
            // every change after the opening raised the row's version
            long changes = (ackAt == null ? 0 : 1) + (assignee != null && ackAt != null ? 1 : 0) + (resolvedAt == null ? 0 : 1);
            Instant updated = resolvedAt != null ? resolvedAt : ackAt != null ? ackAt : opened;
            boolean breached = (resolvedAt == null ? now : resolvedAt).isAfter(due);
            String n = "\\N";
            f.append(id).append('\t').append(b.id()).append('\t').append(b.title()).append('\t').append(subject)
                    .append('\t').append(subject).append('\t').append(status).append('\t').append(b.severity())
                    .append('\t').append('{').append(String.join(",", b.criteria())).append('}')
                    .append('\t').append(b.owner()).append('\t').append(b.title()).append(": not met for ").append(subject)
                    .append('\t').append("violated: ").append(b.type())
                    .append('\t').append(opened).append('\t').append(failedAt).append('\t').append(failedAt)
                    .append("\t1\t").append(due).append('\t').append(breached)
                    .append('\t').append(ackAt == null ? n : ackAt.toString()).append('\t').append(ackAt == null ? n : person)
                    .append('\t').append(assignee == null || ackAt == null ? n : assignee)
                    .append('\t').append(resolvedAt == null ? n : resolvedAt.toString())
                    .append('\t').append(resolvedBy == null ? n : resolvedBy)
                    .append('\t').append(resolution == null ? n : resolution)
                    .append('\t').append(resolving == null ? n : resolving)
                    .append("\tfalse\t").append(updated).append('\t').append(changes).append('\n');
            if ((k + 1) % ExportBenchLoad.BATCH == 0 || k == findings - 1) {
                // evidence and history refer to the finding: it goes first
                copy.copyIn(findingSql, new StringReader(f.toString()));
                copy.copyIn(evidenceSql, new StringReader(e.toString()));
                copy.copyIn(historySql, new StringReader(h.toString()));
                f.setLength(0);
                e.setLength(0);
                h.setLength(0);
            }
        }
        return unresolved;
    }

    /** A fixed scramble of a number (SplitMix64's finaliser): spread without a random generator's state. */
    static long mix(long x) {
        long z = x * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
