package io.controlwatch.engine;

import io.controlwatch.model.CloudEvent;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ExecutionResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.ref.Reference;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.controlwatch.engine.RuntimeHarness.event;
import static io.controlwatch.engine.RuntimeHarness.failedLogin;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stateful runtime's bookkeeping around the rules, as an on-call engineer meets it: declared keys expected from the
 * control's start, deadlines decided as soon as they are due, rule errors kept as evidence, a key's memory released,
 * lateness judged per key and per control version, and warnings about sources slower than a control's grace.
 */
class StatefulRuntimeTest {

    private static final String BURST = "cc7.2-failed-login-burst";
    private static final String BACKUP = "a1.2-database-backup-26h";
    private static final String DECLARED = "a1.2-declared-databases-backed-up";
    private static final String POLLER = "https://okta-poller.example.com";
    private static final Instant W = Instant.parse("2026-03-02T10:00:00Z");
    private static ControlEngine shipped;

    @BeforeAll
    static void pack() {
        shipped = RuntimeHarness.shippedEngine();
    }

    private static ControlEngine engine(String controls) {
        return ControlEngine.compile(ControlPackLoader.parse("pack: test\nformatVersion: 1\ncontrols:\n" + controls, "test.yaml"));
    }

    private static final String DECLARING_ABSENCE = """
              - id: a1.2-declared-databases-backed-up
                title: Every declared database is backed up hourly
                criteria: [A1.2]
                severity: high
                absence:
                  expect: [backup.completed]
                  key: data.system
                  keys: [orders-db, billing-db]
                  within: 1h
                  grace: 1m
            """;

    /** The shipped burst control alone: no other control's step decides its deadlines in passing. */
    private static final String HOPPING_BURST = """
              - id: cc7.2-failed-login-burst
                title: Failed login burst
                criteria: [CC7.2]
                severity: high
                threshold:
                  on: [auth.login]
                  when: data.outcome == "failure"
                  key: data.user
                  window: 5m
                  advance: 1m
                  atLeast: 10
                  grace: 1m
            """;

    private static String burst(int atLeast) {
        return """
                  - id: cc7.2-failed-login-burst
                    title: Failed login burst
                    criteria: [CC7.2]
                    severity: high
                    threshold:
                      on: [auth.login]
                      when: data.outcome == "failure"
                      key: data.user
                      window: 5m
                      atLeast: %d
                      grace: 1m
                """.formatted(atLeast);
    }

    private static CloudEvent backup(String id, String system, Instant time) {
        return event(id, "urn:backup-agent", "backup.completed", time, Map.of("system", system, "status", "success"), false);
    }

    private static Duration minutes(long n) {
        return Duration.ofMinutes(n);
    }

    @Test
    void keysAnAbsenceDeclaresAreExpectedFromTheFirstEventTheControlSees() {
        RuntimeHarness h = new RuntimeHarness(engine(DECLARING_ABSENCE));
        h.event(backup("b1", "reports-db", W), W);

        List<ControlExecution> due = h.tick(W.plus(minutes(61)));

        assertThat(due).filteredOn(e -> e.result() == ExecutionResult.FAIL).extracting(ControlExecution::subject)
                .containsExactlyInAnyOrder("orders-db", "billing-db", "reports-db");
        assertThat(due).filteredOn(e -> e.subject().equals("billing-db")).singleElement()
                .satisfies(e -> assertThat(e.reason()).contains("never seen since the control started"));
    }

    @Test
    void keysAnAbsenceDeclaresAreExpectedFromTheFirstTickWhenNoEventCameFirst() {
        RuntimeHarness h = new RuntimeHarness(engine(DECLARING_ABSENCE));
        h.tick(W);
        h.event(backup("b1", "orders-db", W.plus(minutes(30))), W.plus(minutes(30)));

        List<ControlExecution> due = h.tick(W.plus(minutes(61)));

        assertThat(due).extracting(ControlExecution::subject).containsExactly("billing-db");
        assertThat(h.tick(W.plus(minutes(91)))).extracting(ControlExecution::subject)
                .as("orders-db half an hour later, billing-db not twice").containsExactly("orders-db");
    }

    @Test
    void anEventThatArrivesAfterItsWindowsClosedIsDecidedAtOnce() {
        RuntimeHarness h = new RuntimeHarness(engine(HOPPING_BURST));

        // the first event of a source 20 minutes late: its clock's watermark is its wall minus the delay (capped at
        // the idle time, 15m): W + 5m, past the close of four of the five 5-minute windows holding W
        List<ControlExecution> out = h.event(failedLogin("f1", "urn:late-poller", "kim", W), W.plus(minutes(20)));

        assertThat(out).filteredOn(e -> e.controlId().equals(BURST)).hasSize(4)
                .allSatisfy(e -> assertThat(e.result()).isEqualTo(ExecutionResult.PASS));
    }

    @Test
    void aDeadlineMovedByANewerEventIsNotDecidedAtItsOldTime() {
        RuntimeHarness h = new RuntimeHarness(engine(DECLARING_ABSENCE));
        h.event(backup("b1", "reports-db", W), W);
        h.event(backup("b2", "reports-db", W.plus(minutes(30))), W.plus(minutes(30))); // now due at W + 91m
        h.tick(W.plus(minutes(61)));

        List<ControlExecution> out = h.event(event("c1", "urn:second-agent", "backup.completed", W.plus(minutes(40)),
                Map.of("system", "reports-db", "status", "success"), false), W.plus(minutes(61)));

        assertThat(h.of(DECLARED)).filteredOn(e -> e.subject().equals("reports-db"))
                .noneMatch(e -> e.result() == ExecutionResult.FAIL);
        assertThat(out).as("reports-db was not decided up to W + 61m").noneMatch(e -> e.result() == ExecutionResult.ERROR);
    }

    @Test
    void aRuleErrorAtADeadlineIsAnErrorExecutionKeepsNothingOfTheStepAndIsNotRetriedEverySecond() {
        RuntimeHarness h = new RuntimeHarness(shipped);
        h.event(failedLogin("f1", POLLER, "heidi", W), W);
        String key = StateKeys.of(BURST, "heidi");
        // the second of the five windows holding the event lost its evidence list (a defect or a corrupted store):
        // closing it throws after the first window was already decided
        String stored = RuleStateJson.toJson(h.store.get(key));
        Matcher evidence = Pattern.compile("\"eventIds\":\\[[^]]*]").matcher(stored);
        assertThat(evidence.find() && evidence.find()).isTrue();
        h.store.put(key, RuleStateJson.fromJson(stored.substring(0, evidence.start()) + "\"eventIds\":null"
                + stored.substring(evidence.end())));
        String before = RuleStateJson.toJson(h.store.get(key));

        List<ControlExecution> out = h.tick(W.plus(minutes(3)));

        assertThat(out).filteredOn(e -> e.controlId().equals(BURST)).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.ERROR);
            assertThat(e.reason()).startsWith("rule error: control " + BURST + " could not evaluate a deadline for key 'heidi': NullPointerException");
            assertThat(e.evidenceEventIds()).isEmpty();
            assertThat(e.eventTime()).isEqualTo(W.plus(minutes(3)));
        });
        // only the index bookkeeping moved: the deadline's entry was taken off the index (so the key's next event
        // indexes it afresh), nothing of the windows
        assertThat(RuleStateJson.toJson(h.store.get(key))).as("the first window not half decided")
                .isEqualTo(before.replaceFirst("\"indexedAt\":[0-9]+", "\"indexedAt\":null"));
        assertThat(h.store.indexed(BURST)).isEmpty();
        assertThat(h.tick(W.plus(minutes(4)))).filteredOn(e -> e.controlId().equals(BURST)).isEmpty();
    }

    @Test
    void aFailureAroundTheRulesIsAnErrorExecutionNamingTheEvent() {
        StatefulRuntime runtime = new StatefulRuntime(shipped);
        RoutedEvent routed = shipped.evaluate(failedLogin("f1", POLLER, "ivan", W), W, W).routed().stream()
                .filter(r -> r.controlId().equals(BURST)).findFirst().orElseThrow();

        assertThat(runtime.failed(routed, W.plusSeconds(1), new IllegalStateException("store unavailable")))
                .singleElement().satisfies(e -> {
                    assertThat(e.result()).isEqualTo(ExecutionResult.ERROR);
                    assertThat(e.controlId()).isEqualTo(BURST);
                    assertThat(e.subject()).isEqualTo("ivan");
                    assertThat(e.reason()).isEqualTo("rule error: control " + BURST + " could not evaluate event f1 for key"
                            + " 'ivan': IllegalStateException: store unavailable; its state was left as before");
                    assertThat(e.evidenceEventIds()).containsExactly("f1");
                    assertThat(e.eventTime()).isEqualTo(W);
                });
        assertThat(runtime.failed(routed, W, new IllegalStateException())).singleElement()
                .satisfies(e -> assertThat(e.reason()).contains("'ivan': IllegalStateException; its state"));

        RoutedEvent ofRetiredControl = new RoutedEvent("cc0.0-retired", routed.controlVersion(), routed.role(),
                routed.key(), routed.distinct(), routed.event());
        assertThat(runtime.failed(ofRetiredControl, W, new IllegalStateException("x"))).isEmpty();
        assertThat(runtime.onEvent(ofRetiredControl, new InMemoryRuleStore(), W)).isEmpty();
    }

    @Test
    void anEventBehindWhatItsKeyWasAlreadyDecidedUpToIsLateWhateverItsSource() {
        RuntimeHarness h = new RuntimeHarness(shipped);
        h.event(failedLogin("f1", POLLER, "judy", W), W);
        h.tick(W.plus(minutes(7))); // every window holding W closed: judy is decided up to W + 7m

        List<ControlExecution> late = h.event(failedLogin("g1", "urn:second-idp", "judy",
                W.plus(minutes(6)).minusMillis(1)), W.plus(minutes(7)));
        List<ControlExecution> inTime = h.event(failedLogin("h1", "urn:third-idp", "judy", W.plus(minutes(6))),
                W.plus(minutes(7)));

        assertThat(late).filteredOn(e -> e.controlId().equals(BURST)).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.ERROR);
            assertThat(e.reason()).contains("up to which the control had already decided for 'judy'");
        });
        assertThat(inTime).filteredOn(e -> e.controlId().equals(BURST)).as("exactly the grace behind: evaluated")
                .noneMatch(e -> e.result() == ExecutionResult.ERROR);
    }

    @Test
    void aKeysMemoryIsReleasedTheIdleTimeAfterItsLastDecision() {
        RuntimeHarness h = new RuntimeHarness(shipped);
        String key = StateKeys.of(BURST, "kate");
        h.event(failedLogin("f1", POLLER, "kate", W), W);
        h.tick(W.plus(minutes(7)));

        assertThat(h.store.get(key)).as("kept to recognise late events").isNotNull();
        assertThat(h.store.earliestDeadline(BURST)).isEqualTo(W.plus(minutes(7 + 15)));
        h.tick(W.plus(minutes(22)).minusMillis(1));
        assertThat(h.store.get(key)).isNotNull();
        h.tick(W.plus(minutes(22)));
        assertThat(h.store.get(key)).isNull();
        assertThat(h.store.earliestDeadline(BURST)).isNull();
    }

    @Test
    void aStateOfAnOlderVersionOfTheControlMakesNoEventLate() {
        RuntimeHarness v1 = new RuntimeHarness(engine(burst(3)));
        v1.event(failedLogin("f1", POLLER, "liam", W), W);
        v1.tick(W.plus(minutes(7))); // decided up to W + 7m under version 1
        assertThat(v1.event(failedLogin("g1", "urn:second-idp", "liam", W.plus(minutes(5))), W.plus(minutes(7))))
                .as("version 1 holds it late").singleElement()
                .satisfies(e -> assertThat(e.result()).isEqualTo(ExecutionResult.ERROR));

        ControlEngine newer = engine(burst(4));
        RuntimeHarness v2 = new RuntimeHarness(newer, new StatefulRuntime(newer), v1.store);
        List<ControlExecution> out = v2.event(failedLogin("h1", "urn:third-idp", "liam", W.plus(minutes(5))),
                W.plus(minutes(7)));

        assertThat(out).noneMatch(e -> e.result() == ExecutionResult.ERROR);
    }

    @Test
    void aChangedAbsenceControlForgetsItsOldKeysWithoutFailingThemAndExpectsItsDeclaredKeysAfresh() {
        RuntimeHarness v1 = new RuntimeHarness(engine(DECLARING_ABSENCE));
        v1.event(backup("b1", "reports-db", W), W);
        v1.event(backup("b2", "orders-db", W), W);

        // the interval changes: version 2 starts afresh at its first tick, half an hour later
        ControlEngine newer = engine(DECLARING_ABSENCE.replace("within: 1h", "within: 2h"));
        RuntimeHarness v2 = new RuntimeHarness(newer, new StatefulRuntime(newer), v1.store);
        Instant start = W.plus(minutes(30));
        v2.tick(start);
        // version 1's deadlines come up: nothing of version 1 is decided (once a FAIL "since 1970" per key)
        assertThat(v2.tick(W.plus(minutes(61)))).isEmpty();
        assertThat(v2.store.get(StateKeys.of(DECLARED, "reports-db"))).as("a key seen only by version 1").isNull();

        assertThat(v2.tick(start.plus(minutes(121)).minusMillis(1))).isEmpty();
        assertThat(v2.tick(start.plus(minutes(121)))).as("declared keys, expected from version 2's start")
                .allSatisfy(e -> {
                    assertThat(e.result()).isEqualTo(ExecutionResult.FAIL);
                    assertThat(e.eventTime()).isEqualTo(start.plus(minutes(120)));
                    assertThat(e.reason()).contains("never seen since the control started");
                })
                .extracting(ControlExecution::subject).containsExactlyInAnyOrder("orders-db", "billing-db");
    }

    @Test
    void aLateEventOfAnAbsenceIsRecordedOnlyWhenNewerThanItsKeysLastArrival() {
        RuntimeHarness h = new RuntimeHarness(shipped);
        h.event(backup("k1", "orders-db", W), W);
        h.event(backup("k2", "billing-db", W.plus(Duration.ofHours(1))), W.plus(Duration.ofHours(1)));

        List<ControlExecution> again = h.event(backup("k1-again", "orders-db", W), W.plus(Duration.ofHours(1)));
        List<ControlExecution> newer = h.event(backup("k3", "orders-db", W.plusMillis(1)), W.plus(Duration.ofHours(1)));

        assertThat(again).filteredOn(e -> e.controlId().equals(BACKUP)).as("proves nothing new").isEmpty();
        assertThat(newer).filteredOn(e -> e.controlId().equals(BACKUP)).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.ERROR);
            assertThat(e.late()).isTrue();
        });
    }

    @Test
    void aSourceSilentLongerThanTheRetentionIsForgottenByTheNextTick() {
        RuntimeHarness h = new RuntimeHarness(shipped);
        h.event(failedLogin("f1", POLLER, "mia", W), W);
        assertThat(h.store.metaWithPrefix("src:")).containsKey("src:" + POLLER);

        h.tick(W.plus(Duration.ofDays(7)).plusSeconds(1));

        assertThat(h.store.metaWithPrefix("src:")).doesNotContainKey("src:" + POLLER);
    }

    @Test
    void aGraceWarningNeedsADelayLongerThanTheGraceAndNamesTheLongestOverAllPartitions() {
        StatefulRuntime runtime = new StatefulRuntime(shipped);
        // three partitions; the runtime holds their clocks only as long as their stores live
        List<RuleStore> stores = List.of(new InMemoryRuleStore(), new InMemoryRuleStore(), new InMemoryRuleStore());
        feed(runtime, stores.get(0), failedLogin("f1", POLLER, "noah", W), W.plus(minutes(1)));
        assertThat(runtime.graceWarnings(W.plus(minutes(1)))).as("exactly the grace of 1m")
                .noneMatch(w -> w.controlId().equals(BURST));

        feed(runtime, stores.get(1), failedLogin("f2", POLLER, "olga", W), W.plus(minutes(4)));
        feed(runtime, stores.get(2), failedLogin("f3", POLLER, "paul", W.plus(minutes(2))), W.plus(minutes(4)));

        assertThat(runtime.graceWarnings(W.plus(minutes(4)))).filteredOn(w -> w.controlId().equals(BURST))
                .singleElement().satisfies(w -> assertThat(w.delay()).isEqualTo(minutes(4)));
        Reference.reachabilityFence(stores);
    }

    private static void feed(StatefulRuntime runtime, RuleStore store, CloudEvent event, Instant wall) {
        shipped.evaluate(event, wall, wall).routed().forEach(r -> runtime.onEvent(r, store, wall));
    }
}
