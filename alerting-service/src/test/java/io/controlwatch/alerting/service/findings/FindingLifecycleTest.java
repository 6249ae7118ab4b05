package io.controlwatch.alerting.service.findings;

import io.controlwatch.alerting.service.notify.NotificationIntent;
import io.controlwatch.alerting.service.notify.NotificationPlanner;
import io.controlwatch.alerting.service.routing.NotificationConfig;
import io.controlwatch.alerting.service.routing.NotificationConfigLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Executions in, findings and notifications out, table-driven on logical time. Each case feeds batches of executions
 * through the lifecycle (state carried from batch to batch as the database would) and compares the findings' final
 * states and every notification planned.
 */
class FindingLifecycleTest {

    static final Instant T0 = Instant.parse("2026-11-28T09:00:00Z");
    static final SlaPolicy SLA = new SlaPolicy(Duration.ofHours(4), Duration.ofHours(24), Duration.ofDays(7),
            Duration.ofDays(30), Duration.ofHours(24));
    static final NotificationConfig CONFIG = NotificationConfigLoader.parse("""
            formatVersion: 1
            receivers:
              - name: pager
                pagerduty: {routingKey: KEY}
            route:
              receiver: pager
            """, "test");

    /** An execution: result, subject, minutes after T0 of its event, backfilled, covering exemption. */
    record Exec(String result, String subject, int minute, boolean backfilled, String exemption) {
    }

    record Case(String name, List<List<Exec>> batches, List<String> finalStatuses, List<String> notifications,
                Map<String, Long> failureCounts) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Exec fail(String subject) {
        return new Exec("FAIL", subject, 0, false, null);
    }

    static Exec pass(String subject) {
        return new Exec("PASS", subject, 1, false, null);
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("a failure opens a finding and pages", List.of(List.of(fail("alice"))),
                        List.of("f1:alice:OPEN"), List.of("pager:opened:f1"), Map.of("f1", 1L)),
                new Case("later failures attach without paging again",
                        List.of(List.of(fail("alice"), fail("alice")), List.of(fail("alice"))),
                        List.of("f1:alice:OPEN"), List.of("pager:opened:f1"), Map.of("f1", 3L)),
                new Case("one finding per subject", List.of(List.of(fail("alice"), fail("bob"), fail("alice"))),
                        List.of("f1:alice:OPEN", "f2:bob:OPEN"), List.of("pager:opened:f1", "pager:opened:f2"),
                        Map.of("f1", 2L, "f2", 1L)),
                new Case("the next pass resolves it and tells the pager",
                        List.of(List.of(fail("alice")), List.of(pass("alice"))),
                        List.of("f1:alice:RESOLVED"), List.of("pager:opened:f1", "pager:resolved:f1"), Map.of("f1", 1L)),
                new Case("a pass without a finding changes nothing", List.of(List.of(pass("alice"))),
                        List.of(), List.of(), Map.of()),
                new Case("a failure after resolution opens a new, linked finding",
                        List.of(List.of(fail("alice"), pass("alice"), fail("alice"))),
                        List.of("f1:alice:RESOLVED", "f2:alice:OPEN<-f1"),
                        List.of("pager:opened:f1", "pager:resolved:f1", "pager:opened:f2"), Map.of("f1", 1L, "f2", 1L)),
                new Case("errors change nothing", List.of(List.of(new Exec("ERROR", "alice", 0, false, null))),
                        List.of(), List.of(), Map.of()),
                new Case("an exempted failure is recorded in an EXEMPTED finding and pages nobody",
                        List.of(List.of(new Exec("FAIL", "alice", 0, false, "x1"), new Exec("FAIL", "alice", 0, false, "x1"))),
                        List.of("f1:alice:EXEMPTED"), List.of(), Map.of("f1", 2L)),
                new Case("after the exemption ends, a failure pages again",
                        List.of(List.of(new Exec("FAIL", "alice", 0, false, "x1")), List.of(fail("alice"))),
                        List.of("f1:alice:OPEN"), List.of("pager:opened:f1"), Map.of("f1", 2L)),
                new Case("an open finding that an exemption comes to cover is EXEMPTED, and the pager told",
                        List.of(List.of(fail("alice")), List.of(new Exec("FAIL", "alice", 0, false, "x1"))),
                        List.of("f1:alice:EXEMPTED"), List.of("pager:opened:f1", "pager:exempted:f1"), Map.of("f1", 2L)),
                new Case("old backfilled history forms findings quietly",
                        List.of(List.of(new Exec("FAIL", "alice", -3 * 24 * 60, true, null)), List.of(pass("alice"))),
                        List.of("f1:alice:RESOLVED"), List.of(), Map.of("f1", 1L)),
                new Case("a recent failure on a quiet finding pages",
                        List.of(List.of(new Exec("FAIL", "alice", -3 * 24 * 60, true, null)), List.of(fail("alice"))),
                        List.of("f1:alice:OPEN"), List.of("pager:opened:f1"), Map.of("f1", 2L)),
                new Case("recent backfilled failures still page",
                        List.of(List.of(new Exec("FAIL", "alice", -60, true, null))),
                        List.of("f1:alice:OPEN"), List.of("pager:opened:f1"), Map.of("f1", 1L)));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void lifecycle(Case c) {
        AtomicInteger ids = new AtomicInteger();
        FindingLifecycle lifecycle = new FindingLifecycle(SLA, () -> "f" + ids.incrementAndGet());
        Map<FindingLifecycle.Key, Finding> unresolved = new HashMap<>();
        Map<FindingLifecycle.Key, String> lastResolved = new HashMap<>();
        Map<String, Finding> all = new java.util.LinkedHashMap<>();
        Map<String, Set<String>> told = new HashMap<>();
        List<String> notifications = new ArrayList<>();
        Instant now = T0;
        int n = 0;
        for (List<Exec> batch : c.batches()) {
            now = now.plus(Duration.ofMinutes(5));
            List<ExecutionFact> facts = new ArrayList<>();
            for (Exec e : batch) {
                facts.add(new ExecutionFact("e" + (++n), "cc6.1-mfa", "Console logins require MFA", e.subject(),
                        e.result(), "high", List.of("CC6.1"), null, "violated: mfa", T0.plus(Duration.ofMinutes(e.minute())),
                        e.backfilled(), e.exemption()));
            }
            var outcome = lifecycle.apply(new FindingLifecycle.State(unresolved, lastResolved, Map.of("cc6.1-mfa", "iam")),
                    facts, now);
            for (NotificationIntent intent : NotificationPlanner.plan(outcome.events(), CONFIG, told)) {
                notifications.add(intent.receiver() + ":" + intent.eventType().substring("controlwatch.finding.".length())
                        + ":" + intent.findingId());
                told.computeIfAbsent(intent.findingId(), f -> new HashSet<>()).add(intent.receiver());
            }
            for (Finding f : outcome.findings()) {
                all.put(f.findingId(), f);
                FindingLifecycle.Key key = new FindingLifecycle.Key(f.controlId(), f.subjectKey());
                if (f.unresolved()) {
                    unresolved.put(key, f);
                } else {
                    unresolved.remove(key);
                    lastResolved.put(key, f.findingId());
                }
                assertThat(f.owner()).isEqualTo("iam");
                assertThat(f.slaDueAt()).isAfter(f.openedAt());
            }
        }
        assertThat(all.values().stream().map(f -> f.findingId() + ":" + f.subject() + ":" + f.status()
                + (f.previousFindingId() == null ? "" : "<-" + f.previousFindingId())).toList())
                .isEqualTo(c.finalStatuses());
        assertThat(notifications).isEqualTo(c.notifications());
        Map<String, Long> counts = new HashMap<>();
        all.values().forEach(f -> counts.put(f.findingId(), f.failureCount()));
        assertThat(counts).isEqualTo(c.failureCounts());
    }

    @org.junit.jupiter.api.Test
    void slaFollowsSeverity() {
        assertThat(SLA.dueAt("critical", T0)).isEqualTo(T0.plus(Duration.ofHours(4)));
        assertThat(SLA.dueAt("high", T0)).isEqualTo(T0.plus(Duration.ofHours(24)));
        assertThat(SLA.dueAt("medium", T0)).isEqualTo(T0.plus(Duration.ofDays(7)));
        assertThat(SLA.dueAt("low", T0)).isEqualTo(T0.plus(Duration.ofDays(30)));
    }
}
