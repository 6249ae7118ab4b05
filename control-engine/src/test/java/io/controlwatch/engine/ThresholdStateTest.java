package io.controlwatch.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.model.CloudEvent;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ExecutionResult;
import io.controlwatch.model.ModelJson;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Threshold controls on a pack of our own, so that window, advance and grace are exact: which windows an event
 * counts in, that a window fails the moment it reaches the threshold and otherwise passes when it closes, what the
 * decision names, and that closed windows are forgotten.
 */
class ThresholdStateTest {

    static final String TUMBLING = "t-tumbling";
    static final String HOPPING = "t-hopping";
    static final String DISTINCT = "t-distinct";
    static final Duration SIZE = Duration.ofMinutes(10);
    static final Duration G = Duration.ofMinutes(1);
    static final Duration MS = Duration.ofMillis(1);
    static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");

    static final ControlEngine ENGINE = ControlEngine.compile(ControlPackLoader.parse("""
            pack: threshold-test
            formatVersion: 1
            controls:
              - id: t-tumbling
                title: At most two failures per user in ten minutes
                criteria: [CC7.2]
                severity: medium
                message: '{{count}} failures for {{key}} in the {{window}} from {{windowStart}} to {{windowEnd}} (at least {{atLeast}})'
                threshold: {on: [t.fail], key: data.k, window: 10m, atLeast: 3, grace: 1m}
              - id: t-hopping
                title: At most two failures per user in any ten minutes, looked at every five
                criteria: [CC7.2]
                severity: medium
                threshold: {on: [h.fail], key: data.k, window: 10m, advance: 5m, atLeast: 3, grace: 1m}
              - id: t-distinct
                title: A user fails from at most two addresses in ten minutes
                criteria: [CC7.2]
                severity: medium
                message: '{{count}} addresses'
                threshold: {on: [d.fail], key: data.k, distinct: data.ip, window: 10m, atLeast: 3, grace: 1m}
            """, "threshold-test.yaml"));

    static CloudEvent ev(String id, String type, Instant time, String ip) {
        ObjectNode data = ModelJson.mapper().valueToTree(Map.of("k", "u1", "ip", ip));
        return new CloudEvent("1.0", id, "urn:test:idp", type, null, time.atOffset(ZoneOffset.UTC), "application/json",
                null, data, null, null, null);
    }

    static List<ControlExecution> at(RuntimeHarness p, String id, String type, Instant time) {
        return p.event(ev(id, type, time, "10.0.0.1"), time);
    }

    static String summary(ControlExecution e) {
        return e.result() + " " + e.eventTime() + " " + e.evidenceEventIds() + " " + e.reason();
    }

    @Test
    void aWindowBelowTheThresholdPassesWhenItClosesAtEndPlusGraceAndIsForgotten() {
        RuntimeHarness p = new RuntimeHarness(ENGINE);
        at(p, "e1", "t.fail", T0);
        at(p, "e2", "t.fail", T0.plus(SIZE).minus(MS));
        assertThat(p.store.earliestDeadline(TUMBLING)).isEqualTo(T0.plus(SIZE).plus(G));
        assertThat(p.tick(T0.plus(SIZE).plus(G).minus(MS))).isEmpty();
        assertThat(p.tick(T0.plus(SIZE).plus(G))).extracting(ThresholdStateTest::summary).containsExactly(
                "PASS " + T0.plus(SIZE) + " [e1, e2] count 2 in window [" + T0 + ", 10m) stayed below 3");
        assertThat(p.of(TUMBLING).get(0).message()).as("a pass has no message").isNull();
        p.tick(T0.plus(Duration.ofHours(1)));
        assertThat(p.of(TUMBLING)).as("decided once").hasSize(1);
        assertThat(p.store.earliestDeadline(TUMBLING)).isNull();
        assertThat(p.store.stateCount()).isZero();
    }

    @Test
    void aWindowFailsTheMomentItReachesTheThresholdNamingTheEventsCounted() {
        RuntimeHarness p = new RuntimeHarness(ENGINE);
        at(p, "e1", "t.fail", T0);
        at(p, "e2", "t.fail", T0.plusSeconds(1));
        assertThat(at(p, "e3", "t.fail", T0.plusSeconds(2))).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.FAIL);
            assertThat(e.eventTime()).isEqualTo(T0.plusSeconds(2));
            assertThat(e.evidenceEventIds()).containsExactly("e1", "e2", "e3");
            assertThat(e.reason()).isEqualTo("count 3 in window [" + T0 + ", 10m) reached 3");
            assertThat(e.message()).isEqualTo("3 failures for u1 in the 10m from " + T0 + " to " + T0.plus(SIZE)
                    + " (at least 3)");
        });
        assertThat(at(p, "e4", "t.fail", T0.plusSeconds(3))).as("decided: later events change nothing").isEmpty();
        p.tick(T0.plus(Duration.ofHours(1)));
        assertThat(p.of(TUMBLING)).as("no pass for a failed window").hasSize(1);
        p.tick(T0.plus(Duration.ofHours(2)));
        assertThat(p.store.stateCount()).as("closed windows are forgotten").isZero();
    }

    @Test
    void anEventAtAWindowsEndCountsInTheNextWindowOnly() {
        RuntimeHarness p = new RuntimeHarness(ENGINE);
        at(p, "e1", "t.fail", T0.plus(SIZE).minus(MS));
        at(p, "e2", "t.fail", T0.plus(SIZE));
        p.tick(T0.plus(Duration.ofHours(1)));
        assertThat(p.of(TUMBLING)).extracting(ControlExecution::evidenceEventIds)
                .containsExactly(List.of("e1"), List.of("e2"));
    }

    @Test
    void aHoppingWindowCountsAnEventInEveryWindowHoldingIt() {
        RuntimeHarness p = new RuntimeHarness(ENGINE);
        at(p, "e1", "h.fail", T0.plus(Duration.ofMinutes(5)));
        // 10:05 is in the windows from 10:00 and 10:05, not in the one from 09:55 (which ends there)
        assertThat(p.store.earliestDeadline(HOPPING)).as("the window from 10:00 closes first").isEqualTo(T0.plus(SIZE).plus(G));
        at(p, "e2", "h.fail", T0.plus(Duration.ofMinutes(9)));
        List<ControlExecution> third = at(p, "e3", "h.fail", T0.plus(Duration.ofMinutes(10)));
        // e3 is in [10:05, 10:15) and [10:10, 10:20), not in [10:00, 10:10): only the window from 10:05 reaches 3
        assertThat(third).extracting(ThresholdStateTest::summary).containsExactly("FAIL " + T0.plus(SIZE)
                + " [e1, e2, e3] count 3 in window [" + T0.plus(Duration.ofMinutes(5)) + ", 10m) reached 3");
        assertThat(third.get(0).message()).as("a control without a message: its failures have none").isNull();
        p.tick(T0.plus(Duration.ofHours(1)));
        assertThat(p.of(HOPPING)).filteredOn(e -> e.result() == ExecutionResult.PASS).extracting(ThresholdStateTest::summary)
                .containsExactly(
                        "PASS " + T0.plus(SIZE) + " [e1, e2] count 2 in window [" + T0 + ", 10m) stayed below 3",
                        "PASS " + T0.plus(Duration.ofMinutes(20)) + " [e3] count 1 in window [" + T0.plus(SIZE) + ", 10m) stayed below 3");
    }

    @Test
    void aDistinctCountCountsEachValueOnce() {
        RuntimeHarness p = new RuntimeHarness(ENGINE);
        p.event(ev("e1", "d.fail", T0, "10.0.0.1"), T0);
        p.event(ev("e2", "d.fail", T0.plusSeconds(1), "10.0.0.1"), T0.plusSeconds(1));
        assertThat(p.event(ev("e3", "d.fail", T0.plusSeconds(2), "10.0.0.2"), T0.plusSeconds(2))).isEmpty();
        assertThat(p.event(ev("e4", "d.fail", T0.plusSeconds(3), "10.0.0.3"), T0.plusSeconds(3)))
                .extracting(ThresholdStateTest::summary)
                .containsExactly("FAIL " + T0.plusSeconds(3) + " [e1, e3, e4] distinct count 3 in window [" + T0 + ", 10m) reached 3");

        RuntimeHarness q = new RuntimeHarness(ENGINE);
        q.event(ev("e1", "d.fail", T0, "10.0.0.1"), T0);
        q.event(ev("e2", "d.fail", T0.plusSeconds(1), "10.0.0.1"), T0.plusSeconds(1));
        q.tick(T0.plus(Duration.ofHours(1)));
        assertThat(q.of(DISTINCT)).extracting(ThresholdStateTest::summary).containsExactly(
                "PASS " + T0.plus(SIZE) + " [e1] distinct count 1 in window [" + T0 + ", 10m) stayed below 3");
    }
}
