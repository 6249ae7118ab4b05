package io.controlwatch.engine;

import io.controlwatch.model.CloudEvent;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ExecutionResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static io.controlwatch.engine.RuntimeHarness.event;
import static io.controlwatch.engine.RuntimeHarness.failedLogin;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Event time with one clock per source, on the shipped pack: what an on-call engineer would notice when sources are
 * late, idle, lying about the time, or backfilling their history (docs/controls.md "Time, grace and late events").
 */
class EventTimeTest {

    private static final String BURST = "cc7.2-failed-login-burst";
    private static final String BACKUP = "a1.2-database-backup-26h";
    private static final String DEPLOY = "cc8.1-deploy-without-approved-pr";
    private static final String POLLER = "https://okta-poller.example.com";
    private static final String PROBE = "urn:probe:eu-1";
    private static ControlEngine engine;

    @BeforeAll
    static void pack() {
        engine = RuntimeHarness.shippedEngine();
    }

    static CloudEvent probe(String id, Instant time) {
        return event(id, PROBE, "uptime.check", time, Map.of("target", "https://api.example.com/health", "status", "up"), false);
    }

    static Instant at(String time) {
        return Instant.parse(time);
    }

    @Test
    void aDelayedSourceHoldsBackOnlyTheControlsItFeedsAndOnlyByItsOwnDelay() {
        RuntimeHarness p = new RuntimeHarness(engine);
        Instant t0 = at("2026-01-05T10:00:00Z");
        // the probe is real time; the poller delivers a failed login 4 minutes after it happened
        p.event(probe("u1", t0), t0);
        p.event(failedLogin("f1", POLLER, "carol", t0.plusSeconds(10)), t0.plusSeconds(250));
        for (int minute = 1; minute <= 5; minute++) {
            p.event(probe("u" + (minute + 1), t0.plus(Duration.ofMinutes(minute))), t0.plus(Duration.ofMinutes(minute)));
        }
        // the probes' clock is at 10:05, the poller's at 10:01 (the wall less its 4-minute delay): the windows holding
        // carol's failure close at 10:06 at the latest (end + 1m grace), on the poller's clock, not the probes'
        assertThat(p.of(BURST)).isEmpty();
        p.tick(t0.plus(Duration.ofMinutes(9)).plusSeconds(59)); // poller clock 10:05:59: windows 09:56 … 09:59 closed
        assertThat(p.of(BURST)).extracting(ControlExecution::reason).hasSize(4)
                .noneMatch(reason -> reason.contains("[2026-01-05T10:00:00Z"));
        p.tick(t0.plus(Duration.ofMinutes(10)).plusSeconds(10)); // poller clock 10:06:10: [10:00, 10:05) closed too
        assertThat(p.of(BURST)).extracting(ControlExecution::result).containsOnly(ExecutionResult.PASS).hasSize(5);

        // a second failed login of the poller, as late as the first, is on time: its source's clock is its own
        List<ControlExecution> second = p.event(failedLogin("f2", POLLER, "dave", t0.plus(Duration.ofMinutes(7))),
                t0.plus(Duration.ofMinutes(11)));
        assertThat(second).noneMatch(ControlExecution::late);
    }

    @Test
    void anEventBehindItsOwnSourcesClockBeyondTheGraceIsLateAndChangesNothing() {
        RuntimeHarness p = new RuntimeHarness(engine);
        Instant t0 = at("2026-01-05T10:00:00Z");
        p.event(failedLogin("f1", POLLER, "erin", t0), t0);
        List<ControlExecution> late = p.event(failedLogin("f0", POLLER, "erin", t0.minus(Duration.ofMinutes(2))), t0);
        assertThat(late).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.ERROR);
            assertThat(e.late()).isTrue();
            assertThat(e.reason()).contains("behind its source's clock 2026-01-05T10:00:00Z");
        });
        // the same time from another source is not late: no other source's clock judges it
        assertThat(p.event(failedLogin("g0", "https://idp-2.example.com", "erin", t0.minus(Duration.ofMinutes(2))), t0))
                .noneMatch(ControlExecution::late);
    }

    @Test
    void anIdleSourceStopsHoldingDeadlinesBackAfterTheIdleTime() {
        RuntimeHarness p = new RuntimeHarness(engine);
        Instant wall = at("2026-01-20T10:00:00Z");
        // a backfill runs on its own clock (its latest event time), never the wall: its window waits for it…
        p.event(event("b1", POLLER, "auth.login", at("2026-01-05T10:00:10Z"), Map.of("user", "frank", "outcome", "failure"), true), wall);
        p.tick(wall.plus(Duration.ofMinutes(14)));
        assertThat(p.of(BURST)).isEmpty();
        // …until the backfilling source has been silent for the idle time (15 minutes by default)
        p.tick(wall.plus(Duration.ofMinutes(15)).plusSeconds(1));
        assertThat(p.of(BURST)).hasSize(5).allSatisfy(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.PASS);
            assertThat(e.backfilled()).as("decided on the backfill's history").isTrue();
        });
    }

    @Test
    void aBackfillDecidesOnItsOwnClockAndMarksWhatItDecides() {
        RuntimeHarness p = new RuntimeHarness(engine);
        Instant wall = at("2026-01-20T10:00:00Z");
        p.event(event("b1", POLLER, "auth.login", at("2026-01-05T10:00:10Z"), Map.of("user", "frank", "outcome", "failure"), true), wall);
        p.event(event("b2", POLLER, "auth.login", at("2026-01-05T11:00:00Z"), Map.of("user", "grace", "outcome", "failure"), true), wall);
        // the second event moved the backfill's clock past the first windows' end + grace
        assertThat(p.of(BURST)).hasSize(5).allSatisfy(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.PASS);
            assertThat(e.backfilled()).isTrue();
            assertThat(e.late()).isFalse();
        });
    }

    @Test
    void aClockNeverRunsAheadOfTheWallClockPlusTheSkew() {
        RuntimeHarness p = new RuntimeHarness(engine);
        Instant wall = at("2026-01-05T10:00:00Z");
        p.event(event("k1", "urn:backup-agent", "backup.completed", wall.minus(Duration.ofHours(25)),
                Map.of("system", "orders-db", "status", "success"), false), wall);
        // a source lying about the time: year 9999
        p.event(event("k2", "urn:backup-agent", "backup.completed", at("9999-12-31T00:00:00Z"),
                Map.of("system", "billing-db", "status", "success"), false), wall);
        p.tick(wall.plusSeconds(60));
        // orders-db's backup is due at 26 h + 10 m grace, i.e. in 1 h 10 m: nothing fired early
        assertThat(p.of(BACKUP)).extracting(ControlExecution::result).containsOnly(ExecutionResult.PASS);
        p.tick(wall.plus(Duration.ofMinutes(71)));
        assertThat(p.of(BACKUP)).extracting(ControlExecution::result).contains(ExecutionResult.FAIL);
        // and the source's next real event is not late
        assertThat(p.event(event("k3", "urn:backup-agent", "backup.completed", wall.plus(Duration.ofMinutes(72)),
                Map.of("system", "orders-db", "status", "success"), false), wall.plus(Duration.ofMinutes(72))))
                .noneMatch(ControlExecution::late);
    }

    @Test
    void aRuleErrorIsAnErrorExecutionAndLeavesTheStateAsItWas() {
        RuntimeHarness p = new RuntimeHarness(engine);
        Instant t0 = at("2026-01-05T10:00:00Z");
        p.event(failedLogin("f1", POLLER, "heidi", t0), t0);
        String key = StateKeys.of(BURST, "heidi");
        // a state a defect (or a corrupted store) left inconsistent: the oldest of five windows lost its evidence list,
        // so counting the next event throws after the newer windows were already counted
        String stored = RuleStateJson.toJson(p.store.get(key));
        String broken = stored.replaceFirst("\"eventIds\":\\[[^]]*]", "\"eventIds\":null");
        assertThat(broken).isNotEqualTo(stored);
        p.store.put(key, RuleStateJson.fromJson(broken));
        String before = RuleStateJson.toJson(p.store.get(key));

        List<ControlExecution> out = p.event(failedLogin("f2", POLLER, "heidi", t0.plusSeconds(5)), t0.plusSeconds(5));

        assertThat(out).filteredOn(e -> e.controlId().equals(BURST)).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.ERROR);
            assertThat(e.reason()).contains("rule error: control " + BURST).contains("event f2").contains("'heidi'");
            assertThat(e.evidenceEventIds()).containsExactly("f2");
        });
        assertThat(RuleStateJson.toJson(p.store.get(key))).as("no window half counted").isEqualTo(before);
    }

    @Test
    void aGraceShorterThanASourcesDelayIsWarnedAbout() {
        RuntimeHarness p = new RuntimeHarness(engine);
        Instant t0 = at("2026-01-05T10:00:00Z");
        p.event(failedLogin("f1", POLLER, "ivan", t0), t0.plus(Duration.ofMinutes(4)));
        assertThat(p.runtime.graceWarnings(t0.plus(Duration.ofMinutes(5)))).filteredOn(w -> w.controlId().equals(BURST))
                .singleElement().satisfies(w -> {
            assertThat(w.controlId()).isEqualTo(BURST);
            assertThat(w.source()).isEqualTo(POLLER);
            assertThat(w.delay()).isEqualTo(Duration.ofMinutes(4));
            assertThat(w.message()).contains("grace of 1m").contains("up to 4m late");
        });
    }

    /**
     * Thirty days of one source's history, once live (each event a few seconds after it happened, the clock looked at
     * every 10 minutes between events) and once as a backfill a month later (as fast as it can be sent): the same executions.
     */
    @Test
    @Tag("slow")
    void aThirtyDayBackfillDecidesExactlyWhatTheLiveRunDecided() {
        List<CloudEvent> live = history(false);
        List<CloudEvent> backfill = history(true);
        Instant end = at("2026-02-01T00:00:00Z");
        Instant backfillWall = at("2026-03-01T00:00:00Z");
        Instant last = backfillWall.plus(Duration.ofDays(2));

        RuntimeHarness livePartition = new RuntimeHarness(engine);
        Instant nextTick = live.get(0).time().toInstant();
        for (CloudEvent e : live) {
            Instant t = e.time().toInstant();
            while (nextTick.isBefore(t)) {
                livePartition.tick(nextTick);
                nextTick = nextTick.plus(Duration.ofMinutes(10));
            }
            livePartition.event(e, t.plusSeconds(3));
        }
        for (Instant tick = nextTick; tick.isBefore(end); tick = tick.plus(Duration.ofMinutes(10))) {
            livePartition.tick(tick);
        }
        livePartition.tick(last);

        RuntimeHarness backfillPartition = new RuntimeHarness(engine);
        long started = System.nanoTime();
        for (CloudEvent e : backfill) {
            backfillPartition.event(e, backfillWall);
        }
        long elapsed = System.nanoTime() - started;
        backfillPartition.tick(last);

        Map<String, String> liveDecisions = decisions(livePartition.out);
        Map<String, String> backfillDecisions = decisions(backfillPartition.out);
        System.out.printf("30-day backfill: %d events, %d executions, %d ms (live: %d executions)%n", backfill.size(),
                backfillDecisions.size(), elapsed / 1_000_000, liveDecisions.size());
        assertThat(liveDecisions.values()).as("the history exercises failures").anyMatch(d -> d.startsWith("FAIL"));
        assertThat(livePartition.out).noneMatch(ControlExecution::late);
        assertThat(backfillDecisions.keySet()).as("missing from the backfill").containsAll(liveDecisions.keySet());
        assertThat(liveDecisions.keySet()).as("only in the backfill").containsAll(backfillDecisions.keySet());
        liveDecisions.forEach((id, decision) -> assertThat(backfillDecisions.get(id)).as(id).isEqualTo(decision));
        assertThat(backfillPartition.out).filteredOn(e -> !e.controlId().equals("cc2.1-event-source-silent"))
                .allMatch(ControlExecution::backfilled);
    }

    /** One decision as a user compares it: everything but when it was evaluated and whether it was backfilled. */
    private static Map<String, String> decisions(List<ControlExecution> executions) {
        return executions.stream().filter(e -> !e.controlId().equals("cc2.1-event-source-silent"))
                .collect(Collectors.toMap(ControlExecution::executionId,
                        e -> e.result() + " " + e.controlId() + " " + e.subject() + " " + e.eventTime() + " "
                                + e.evidenceEventIds() + " " + e.reason() + " " + e.message(),
                        (a, b) -> a + " | DUPLICATE " + b, TreeMap::new));
    }

    /** A month of one HR/IdP/CI-like source: daily backups with gaps, bursts of failed logins, deploys and merges. */
    private static List<CloudEvent> history(boolean backfill) {
        Random random = new Random(42);
        List<CloudEvent> events = new ArrayList<>();
        String source = "https://ops-hub.example.com";
        Instant day = at("2026-01-01T00:00:00Z");
        int n = 0;
        for (int d = 0; d < 30; d++, day = day.plus(Duration.ofDays(1))) {
            if (d != 9 && d != 10 && d != 21) { // three missed backups
                events.add(event("e" + n++, source, "backup.completed", day.plus(Duration.ofHours(2)).plusSeconds(random.nextInt(3600)),
                        Map.of("system", "orders-db", "status", "success"), backfill));
            }
            for (int i = 0; i < 40; i++) {
                String user = "user" + random.nextInt(8);
                int burst = d % 7 == 3 && i == 5 ? 12 : 1;
                Instant t = day.plus(Duration.ofHours(8)).plusSeconds(random.nextInt(10 * 3600));
                for (int b = 0; b < burst; b++) {
                    events.add(event("e" + n++, source, "auth.login", t.plusSeconds(b * 7L),
                            Map.of("user", user, "mfa", true, "outcome", random.nextInt(4) == 0 || burst > 1 ? "failure" : "success"), backfill));
                }
            }
            for (int i = 0; i < 3; i++) {
                String commit = "c" + d + "x" + i;
                Instant t = day.plus(Duration.ofHours(9 + i * 3));
                if (i != 1 || d % 5 != 0) { // now and then a deploy without an approved merge
                    events.add(event("e" + n++, source, "vcs.pull_request.merged", t.minus(Duration.ofHours(1)),
                            Map.of("repository", "example/web", "number", d * 10 + i, "author", "a@example.com",
                                    "approvals", 1, "commit", commit), backfill));
                }
                events.add(event("e" + n++, source, "deploy.completed", t,
                        Map.of("service", "web", "environment", "production", "commit", commit, "actor", "argo"), backfill));
            }
        }
        events.sort((a, b) -> a.time().compareTo(b.time()));
        return events;
    }
}
