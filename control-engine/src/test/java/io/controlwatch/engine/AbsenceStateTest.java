package io.controlwatch.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.model.CloudEvent;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ExecutionResult;
import io.controlwatch.model.ModelJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Absence controls on a pack of our own, so that within and grace are exact: when a silence fails, what it says,
 * that it fails once and is resolved by the next arrival, which arrival sets the next deadline, and when a failed
 * key that stays silent is retired ({@code retireAfter}).
 */
class AbsenceStateTest {

    static final String BEAT = "t-heartbeat";
    static final String ANY = "t-declared-any";
    static final Duration W = Duration.ofHours(1);
    static final Duration G = Duration.ofMinutes(10);
    static final Duration MS = Duration.ofMillis(1);
    static final String S = "urn:test:agent";
    static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");

    static final ControlEngine ENGINE = ControlEngine.compile(ControlPackLoader.parse("""
            pack: absence-test
            formatVersion: 1
            controls:
              - id: t-heartbeat
                title: Every agent reports hourly
                criteria: [CC7.2]
                severity: medium
                message: 'no {{expected}} from {{key}} within {{within}} (due {{deadline}}, last {{lastSeen}})'
                absence:
                  expect: [agent.heartbeat, agent.started]
                  key: data.k
                  within: 1h
                  grace: 10m
              - id: t-declared-any
                title: Every declared system sends something hourly
                criteria: [CC7.2]
                severity: medium
                message: '{{key}} sent {{expected}} within {{within}}? last {{lastSeen}}'
                absence:
                  expect: ["*"]
                  key: data.system
                  within: 1h
                  grace: 10m
                  keys: [billing]
                  passOnArrival: false
            """, "absence-test.yaml"));

    static final String RETIRING = "t-retiring";
    static final Duration RETIRE_AFTER = Duration.ofDays(1);
    static final ControlEngine RETIRING_ENGINE = ControlEngine.compile(ControlPackLoader.parse("""
            pack: retiring-test
            formatVersion: 1
            controls:
              - id: t-retiring
                title: Every agent reports hourly until it is decommissioned
                criteria: [CC7.2]
                severity: medium
                absence:
                  expect: [agent.heartbeat]
                  key: data.k
                  within: 1h
                  grace: 10m
                  retireAfter: 1d
                  keys: [declared-agent]
            """, "retiring-test.yaml"));

    static CloudEvent beat(String id, String key, Instant time) {
        ObjectNode data = ModelJson.mapper().valueToTree(Map.of("k", key));
        return new CloudEvent("1.0", id, S, "agent.heartbeat", null, time.atOffset(ZoneOffset.UTC), "application/json",
                null, data, null, null, null);
    }

    static CloudEvent system(String id, String system, Instant time) {
        ObjectNode data = ModelJson.mapper().valueToTree(Map.of("system", system));
        return new CloudEvent("1.0", id, "urn:test:systems", "system.ping", null, time.atOffset(ZoneOffset.UTC),
                "application/json", null, data, null, null, null);
    }

    static List<ControlExecution> beatAt(RuntimeHarness p, String id, Instant time) {
        return p.event(beat(id, "k1", time), time).stream().filter(e -> e.controlId().equals(BEAT)).toList();
    }

    @Test
    void anArrivalPassesAndASilenceFailsOnceExactlyAtDeadlinePlusGrace() {
        RuntimeHarness p = new RuntimeHarness(ENGINE);
        assertThat(beatAt(p, "h1", T0)).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.PASS);
            assertThat(e.reason()).isNull();
            assertThat(e.evidenceEventIds()).containsExactly("h1");
        });
        assertThat(p.store.earliestDeadline(BEAT)).isEqualTo(T0.plus(W).plus(G));
        assertThat(p.tick(T0.plus(W).plus(G).minus(MS))).filteredOn(e -> e.controlId().equals(BEAT)).isEmpty();
        assertThat(p.tick(T0.plus(W).plus(G))).filteredOn(e -> e.controlId().equals(BEAT)).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.FAIL);
            assertThat(e.eventTime()).isEqualTo(T0.plus(W));
            assertThat(e.subject()).isEqualTo("k1");
            assertThat(e.evidenceEventIds()).containsExactly("h1");
            assertThat(e.reason()).isEqualTo("no agent.heartbeat or agent.started for 'k1' within 1h (last seen " + T0 + ")");
            assertThat(e.message()).isEqualTo("no agent.heartbeat or agent.started from k1 within 1h (due "
                    + T0.plus(W) + ", last " + T0 + ")");
        });
        assertThat(p.store.earliestDeadline(BEAT)).as("one failure per silence: nothing more is due").isNull();
        p.tick(T0.plus(Duration.ofDays(2)));
        assertThat(p.of(BEAT)).hasSize(2);
    }

    @Test
    void aMovingDeadlineIsIndexedOnceAndStillDecidedExactlyAtItsTime() {
        RuntimeHarness p = new RuntimeHarness(ENGINE);
        beatAt(p, "h0", T0);
        long writesAfterFirst = p.store.indexWrites();
        Instant last = T0;
        for (int i = 1; i <= 1_000; i++) { // an arrival a second: each moves the deadline by a second
            last = T0.plusSeconds(i);
            assertThat(beatAt(p, "h" + i, last)).extracting(ControlExecution::result).containsExactly(ExecutionResult.PASS);
        }
        assertThat(p.store.indexWrites()).as("the arrivals wrote nothing to the deadline index").isEqualTo(writesAfterFirst);
        assertThat(p.store.indexed(BEAT)).extracting(RuleStore.Deadline::at).containsExactly(T0.plus(W).plus(G));
        Instant lastArrival = last;
        assertThat(p.store.earliestDeadline(BEAT)).isEqualTo(lastArrival.plus(W).plus(G));

        // the entry comes up at the first arrival's deadline: nothing is decided, the entry moves to the real one
        assertThat(p.tick(T0.plus(W).plus(G))).filteredOn(e -> e.controlId().equals(BEAT)).isEmpty();
        assertThat(p.store.indexed(BEAT)).extracting(RuleStore.Deadline::at).containsExactly(lastArrival.plus(W).plus(G));
        assertThat(p.tick(lastArrival.plus(W).plus(G).minus(MS))).filteredOn(e -> e.controlId().equals(BEAT)).isEmpty();
        assertThat(p.tick(lastArrival.plus(W).plus(G))).filteredOn(e -> e.controlId().equals(BEAT)).singleElement()
                .satisfies(e -> {
                    assertThat(e.result()).isEqualTo(ExecutionResult.FAIL);
                    assertThat(e.eventTime()).isEqualTo(lastArrival.plus(W));
                    assertThat(e.evidenceEventIds()).containsExactly("h1000");
                });
        assertThat(p.store.indexed(BEAT)).isEmpty();
    }

    @Test
    void anArrivalAfterTheMovedEntryCameUpStillMovesTheDeadline() {
        RuntimeHarness p = new RuntimeHarness(ENGINE);
        beatAt(p, "h1", T0);
        beatAt(p, "h2", T0.plus(Duration.ofMinutes(30)));
        p.tick(T0.plus(W).plus(G)); // the entry left at h1's deadline comes up and moves to h2's
        Instant third = T0.plus(Duration.ofMinutes(80));
        assertThat(beatAt(p, "h3", third)).extracting(ControlExecution::result).containsExactly(ExecutionResult.PASS);
        assertThat(p.tick(third.plus(W).plus(G).minus(MS))).filteredOn(e -> e.controlId().equals(BEAT)).isEmpty();
        assertThat(p.tick(third.plus(W).plus(G))).filteredOn(e -> e.controlId().equals(BEAT)).singleElement()
                .satisfies(e -> assertThat(e.evidenceEventIds()).containsExactly("h3"));
    }

    @Test
    void theNextArrivalResolvesTheSilenceAndStartsANewInterval() {
        RuntimeHarness p = new RuntimeHarness(ENGINE);
        beatAt(p, "h1", T0);
        p.tick(T0.plus(Duration.ofHours(2)));
        Instant back = T0.plus(Duration.ofHours(3));
        assertThat(beatAt(p, "h2", back)).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.PASS);
            assertThat(e.evidenceEventIds()).containsExactly("h2");
            assertThat(e.reason()).isEqualTo("resolved: arrived 2h after the deadline " + T0.plus(W));
            assertThat(e.message()).isNull();
        });
        assertThat(p.store.earliestDeadline(BEAT)).isEqualTo(back.plus(W).plus(G));
        assertThat(beatAt(p, "h3", back.plusSeconds(1))).singleElement()
                .satisfies(e -> assertThat(e.reason()).as("resolved once").isNull());
    }

    @Test
    void anArrivalExactlyAtTheDeadlineIsOnTime() {
        RuntimeHarness p = new RuntimeHarness(ENGINE);
        beatAt(p, "h1", T0);
        assertThat(beatAt(p, "h2", T0.plus(W))).extracting(ControlExecution::result).containsExactly(ExecutionResult.PASS);
        assertThat(p.store.earliestDeadline(BEAT)).isEqualTo(T0.plus(W).plus(W).plus(G));
    }

    @Test
    void anArrivalJustAfterTheDeadlineButWithinTheGraceFailsTheIntervalThenResolvesIt() {
        RuntimeHarness p = new RuntimeHarness(ENGINE);
        beatAt(p, "h1", T0);
        Instant late = T0.plus(W).plus(Duration.ofMinutes(5));
        List<ControlExecution> out = beatAt(p, "h2", late);
        assertThat(out).extracting(ControlExecution::result).containsExactly(ExecutionResult.FAIL, ExecutionResult.PASS);
        assertThat(out.get(0).eventTime()).isEqualTo(T0.plus(W));
        assertThat(out.get(0).evidenceEventIds()).containsExactly("h1");
        assertThat(out.get(1).reason()).isEqualTo("resolved: arrived 5m after the deadline " + T0.plus(W));
        assertThat(p.store.earliestDeadline(BEAT)).isEqualTo(late.plus(W).plus(G));
        p.tick(late.plus(W));
        assertThat(p.of(BEAT)).as("failed once").hasSize(3);
    }

    @Test
    void anOlderArrivalPassesButTheLatestOneSetsTheDeadlineAndIsTheEvidence() {
        RuntimeHarness p = new RuntimeHarness(ENGINE);
        beatAt(p, "h1", T0);
        beatAt(p, "h2", T0.plus(Duration.ofMinutes(30)));
        // delivered out of order, within the grace: passes, changes nothing
        assertThat(beatAt(p, "h0", T0.plus(Duration.ofMinutes(25)))).extracting(ControlExecution::result)
                .containsExactly(ExecutionResult.PASS);
        // the same time as the latest: not newer either
        beatAt(p, "h2b", T0.plus(Duration.ofMinutes(30)));
        assertThat(p.store.earliestDeadline(BEAT)).isEqualTo(T0.plus(Duration.ofMinutes(30)).plus(W).plus(G));
        assertThat(p.tick(T0.plus(Duration.ofHours(3)))).filteredOn(e -> e.controlId().equals(BEAT)).singleElement()
                .satisfies(e -> {
                    assertThat(e.evidenceEventIds()).containsExactly("h2");
                    assertThat(e.eventTime()).isEqualTo(T0.plus(Duration.ofMinutes(30)).plus(W));
                });
    }

    @Test
    void aDeclaredKeyNeverHeardFromFailsOneIntervalAfterTheControlStartedAndSaysSo() {
        RuntimeHarness p = new RuntimeHarness(ENGINE);
        p.tick(T0);
        assertThat(p.store.earliestDeadline(ANY)).isEqualTo(T0.plus(W).plus(G));
        assertThat(p.tick(T0.plus(W).plus(G).minus(MS))).isEmpty();
        assertThat(p.tick(T0.plus(W).plus(G))).singleElement().satisfies(e -> {
            assertThat(e.controlId()).isEqualTo(ANY);
            assertThat(e.result()).isEqualTo(ExecutionResult.FAIL);
            assertThat(e.eventTime()).isEqualTo(T0.plus(W));
            assertThat(e.evidenceEventIds()).isEmpty();
            assertThat(e.reason()).isEqualTo("no * for 'billing' within 1h (never seen since the control started)");
            assertThat(e.message()).isEqualTo("billing sent any event within 1h? last never");
        });
        // arrivals are not recorded, but the one that resolves the silence is
        assertThat(p.event(system("p1", "billing", T0.plus(Duration.ofHours(2))), T0.plus(Duration.ofHours(2))))
                .filteredOn(e -> e.controlId().equals(ANY)).singleElement().satisfies(e -> {
                    assertThat(e.result()).isEqualTo(ExecutionResult.PASS);
                    assertThat(e.reason()).startsWith("resolved: arrived 1h after the deadline");
                });
        assertThat(p.event(system("p2", "billing", T0.plus(Duration.ofHours(2)).plusSeconds(1)),
                T0.plus(Duration.ofHours(2)).plusSeconds(1))).filteredOn(e -> e.controlId().equals(ANY)).isEmpty();
    }

    @Test
    void aDeclaredKeyFirstHeardFromAfterItsDeadlineButWithinTheGraceFailsThenResolves() {
        RuntimeHarness p = new RuntimeHarness(ENGINE);
        p.tick(T0);
        Instant t = T0.plus(W).plus(Duration.ofMinutes(5));
        assertThat(p.event(system("p1", "billing", t), t)).filteredOn(e -> e.controlId().equals(ANY))
                .extracting(ControlExecution::result, ControlExecution::eventTime)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(ExecutionResult.FAIL, T0.plus(W)),
                        org.assertj.core.groups.Tuple.tuple(ExecutionResult.PASS, t));
    }

    @Test
    void aDeclaredKeyHeardFromInTimeDoesNotFail() {
        RuntimeHarness p = new RuntimeHarness(ENGINE);
        p.tick(T0);
        p.event(system("p1", "billing", T0.plus(W)), T0.plus(W));
        assertThat(p.store.earliestDeadline(ANY)).isEqualTo(T0.plus(W).plus(W).plus(G));
        p.tick(T0.plus(W).plus(W).plus(G).minus(MS));
        assertThat(p.of(ANY)).isEmpty();
    }

    /** k1 heard from at T0 fails at T0 + W (decided at T0 + W + G); silent since, it retires a day after that. */
    static final Instant FAILED_AT = T0.plus(W);
    static final Instant RETIRES_AT = T0.plus(W).plus(G).plus(RETIRE_AFTER);
    static final String K1 = StateKeys.of(RETIRING, "k1");

    static List<ControlExecution> retiringBeat(RuntimeHarness p, String id, String key, Instant time) {
        return p.event(beat(id, key, time), time);
    }

    static RuntimeHarness failedK1() {
        RuntimeHarness p = new RuntimeHarness(RETIRING_ENGINE);
        retiringBeat(p, "h1", "k1", T0);
        assertThat(p.tick(FAILED_AT.plus(G))).filteredOn(e -> e.subject().equals("k1")).singleElement()
                .satisfies(e -> assertThat(e.result()).isEqualTo(ExecutionResult.FAIL));
        return p;
    }

    @Test
    void aFailedKeySilentForRetireAfterPastItsFailureIsRetiredExactlyThenWithoutAnExecution() {
        RuntimeHarness p = failedK1();
        assertThat(p.store.indexed(RETIRING)).filteredOn(d -> d.stateKey().equals(K1))
                .extracting(RuleStore.Deadline::at).as("the failed key is indexed at its retirement").containsExactly(RETIRES_AT);

        assertThat(p.tick(RETIRES_AT.minus(MS))).isEmpty();
        assertThat(p.retired).isEmpty();
        assertThat(p.tick(RETIRES_AT)).as("retiring records no execution").isEmpty();
        assertThat(p.retired).containsExactly(new RetiredKey(RETIRING, "k1", FAILED_AT, T0, RETIRES_AT));

        // like every emptied state, kept the idle time after its last decision to recognise late events, then deleted
        Instant deleted = RETIRES_AT.plus(StatefulRuntime.Settings.DEFAULTS.sourceIdleAfter());
        p.tick(deleted.minus(MS));
        assertThat(p.store.get(K1)).isNotNull();
        p.tick(deleted);
        assertThat(p.store.get(K1)).isNull();
        assertThat(p.store.indexed(RETIRING)).noneMatch(d -> d.stateKey().equals(K1));
        p.tick(RETIRES_AT.plus(Duration.ofDays(30)));
        assertThat(p.retired).as("retired once").hasSize(1);
        assertThat(p.of(RETIRING)).filteredOn(e -> e.result() != ExecutionResult.PASS).extracting(ControlExecution::subject)
                .as("one failure each, nothing more").containsExactlyInAnyOrder("k1", "declared-agent");
    }

    @Test
    void aRetiredKeysStateIsDeletedAtOnceWhenNothingIsKeptForLateEvents() {
        RuntimeHarness p = new RuntimeHarness(RETIRING_ENGINE, CorrelationStateTest.FORGET_AT_ONCE);
        retiringBeat(p, "h1", "k1", T0);
        p.tick(FAILED_AT.plus(G));
        p.tick(RETIRES_AT);
        assertThat(p.retired).extracting(RetiredKey::key).containsExactly("k1");
        assertThat(p.store.get(K1)).isNull();
        assertThat(p.store.indexed(RETIRING)).noneMatch(d -> d.stateKey().equals(K1));
    }

    @Test
    void anArrivalBeforeTheRetirementResolvesTheFailureAsWithoutRetireAfter() {
        RuntimeHarness p = failedK1();
        Instant back = RETIRES_AT.minus(MS);
        assertThat(retiringBeat(p, "h2", "k1", back)).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.PASS);
            assertThat(e.reason()).isEqualTo("resolved: arrived 86999999ms after the deadline " + FAILED_AT);
        });
        p.tick(back.plus(W).plus(G).minus(MS));
        assertThat(p.retired).isEmpty();
        assertThat(p.store.get(K1).nextDeadline).isEqualTo(back.plus(W).plus(G).toEpochMilli());
    }

    /** Whether the retirement was decided by a tick first or by the arrival's own clock, the arrival starts afresh. */
    @ParameterizedTest(name = "ticked before: {0}, arrival {1} after the retirement")
    @CsvSource({"true, PT0S", "false, PT0S", "true, PT2H", "false, PT2H"})
    void anArrivalAtOrAfterTheRetirementIsAFirstSightingNotAResolution(boolean tickedFirst, Duration after) {
        RuntimeHarness p = failedK1();
        if (tickedFirst) {
            p.tick(RETIRES_AT);
        }
        Instant back = RETIRES_AT.plus(after);
        List<ControlExecution> arrival = retiringBeat(p, "h2", "k1", back);

        assertThat(p.retired).extracting(RetiredKey::key).containsExactly("k1");
        assertThat(arrival).filteredOn(e -> e.subject().equals("k1")).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.PASS);
            assertThat(e.reason()).as("not a resolution").isNull();
            assertThat(e.late()).isFalse();
        });
        // a new expectation: its silence is a new failure, measured from the new arrival only
        assertThat(p.tick(back.plus(W).plus(G))).filteredOn(e -> e.subject().equals("k1")).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.FAIL);
            assertThat(e.eventTime()).isEqualTo(back.plus(W));
            assertThat(e.evidenceEventIds()).containsExactly("h2");
            assertThat(e.reason()).endsWith("(last seen " + back + ")");
        });
    }

    @Test
    void anEventOlderThanTheRetirementArrivingAfterItIsRecordedLateAndRevivesNothing() {
        RuntimeHarness p = failedK1();
        p.tick(RETIRES_AT);
        Instant old = RETIRES_AT.minus(Duration.ofHours(1));
        assertThat(retiringBeat(p, "h2", "k1", old).stream().filter(e -> e.subject().equals("k1")).toList())
                .singleElement().satisfies(e -> {
                    assertThat(e.result()).isEqualTo(ExecutionResult.ERROR);
                    assertThat(e.late()).isTrue();
                });
        p.tick(RETIRES_AT.plus(Duration.ofDays(2)));
        assertThat(p.of(RETIRING)).filteredOn(e -> e.subject().equals("k1"))
                .extracting(ControlExecution::result).containsExactly(ExecutionResult.PASS, ExecutionResult.FAIL, ExecutionResult.ERROR);
        assertThat(p.store.get(K1)).isNull();
    }

    @Test
    void aClockThatJumpsPastBothDecidesTheFailureThenTheRetirement() {
        RuntimeHarness p = new RuntimeHarness(RETIRING_ENGINE);
        retiringBeat(p, "h1", "k1", T0);
        assertThat(p.tick(T0.plus(Duration.ofDays(3)))).filteredOn(e -> e.subject().equals("k1")).singleElement()
                .satisfies(e -> {
                    assertThat(e.result()).isEqualTo(ExecutionResult.FAIL);
                    assertThat(e.eventTime()).isEqualTo(FAILED_AT);
                });
        assertThat(p.retired).containsExactly(new RetiredKey(RETIRING, "k1", FAILED_AT, T0, RETIRES_AT));
    }

    @Test
    void aDeclaredKeyIsNeverRetired() {
        RuntimeHarness p = new RuntimeHarness(RETIRING_ENGINE);
        p.tick(T0);
        assertThat(p.tick(T0.plus(W).plus(G))).singleElement().satisfies(e -> {
            assertThat(e.subject()).isEqualTo("declared-agent");
            assertThat(e.result()).isEqualTo(ExecutionResult.FAIL);
        });
        assertThat(p.store.indexed(RETIRING)).as("nothing more to decide").isEmpty();
        p.tick(T0.plus(Duration.ofDays(400)));
        assertThat(p.retired).isEmpty();
        Instant back = T0.plus(Duration.ofDays(400));
        assertThat(retiringBeat(p, "h1", "declared-agent", back)).singleElement()
                .satisfies(e -> assertThat(e.reason()).startsWith("resolved: arrived"));
    }

    @Test
    void withoutRetireAfterAFailedKeyIsExpectedForever() {
        RuntimeHarness p = new RuntimeHarness(ENGINE);
        beatAt(p, "h1", T0);
        p.tick(T0.plus(W).plus(G));
        assertThat(p.store.indexed(BEAT)).isEmpty();
        Instant years = T0.plus(Duration.ofDays(3650));
        p.tick(years);
        assertThat(p.retired).isEmpty();
        assertThat(p.store.get(StateKeys.of(BEAT, "k1"))).isNotNull();
        assertThat(beatAt(p, "h2", years)).singleElement()
                .satisfies(e -> assertThat(e.reason()).isEqualTo("resolved: arrived 87599h after the deadline " + T0.plus(W)));
    }
}
