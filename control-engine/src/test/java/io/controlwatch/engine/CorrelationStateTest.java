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
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Correlation controls on a pack of our own, so that within, after and grace are exact: which decisions come when,
 * what they name, and that what a key remembers is forgotten once nothing can be decided with it any more, and stays
 * bounded while it is still needed (docs/controls.md, "Correlation" and "Time, grace and late events").
 */
class CorrelationStateTest {

    static final String FW = "t-followed";
    static final String FW_SHORT = "t-followed-short";
    static final String PW = "t-preceded";
    static final String PW_SHORT = "t-preceded-short";
    static final String NFA = "t-not-after";
    static final Duration W = Duration.ofHours(1);
    static final Duration G = Duration.ofMinutes(10);
    static final Duration MS = Duration.ofMillis(1);
    /** Firsts and thens come from sources of their own, so an out-of-order one is not late on the other's clock. */
    static final String A = "urn:test:firsts";
    static final String B = "urn:test:thens";
    static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");

    static final ControlEngine ENGINE = ControlEngine.compile(ControlPackLoader.parse("""
            pack: correlation-test
            formatVersion: 1
            controls:
              - id: t-followed
                title: Every ticket opened is closed within the hour
                criteria: [CC7.3]
                severity: medium
                message: 'ticket {{key}} not closed within {{within}} (due {{deadline}})'
                correlation:
                  first: {on: [ticket.opened], key: data.k}
                  then: {on: [ticket.closed, ticket.cancelled], key: data.k}
                  mode: followed-within
                  within: 1h
                  grace: 10m
              - id: t-followed-short
                title: Every page is acknowledged within ten minutes (with a grace as long)
                criteria: [CC7.3]
                severity: medium
                correlation:
                  first: {on: [page.sent], key: data.k}
                  then: {on: [page.acked], key: data.k}
                  mode: followed-within
                  within: 10m
                  grace: 10m
              - id: t-preceded
                title: Every change is approved in the hour before it
                criteria: [CC8.1]
                severity: medium
                message: 'change {{key}} not approved in the {{within}} before it'
                correlation:
                  first: {on: [change.approved], key: data.k}
                  then: {on: [change.done], key: data.k}
                  mode: preceded-within
                  within: 1h
                  grace: 10m
              - id: t-preceded-short
                title: Every deploy is approved in the ten minutes before it (with a grace as long)
                criteria: [CC8.1]
                severity: medium
                correlation:
                  first: {on: [deploy.approved], key: data.k}
                  then: {on: [deploy.done], key: data.k}
                  mode: preceded-within
                  within: 10m
                  grace: 10m
              - id: t-not-after
                title: Nobody logs in an hour or more after leaving
                criteria: [CC6.2]
                severity: high
                message: '{{key}} logged in {{gap}} after leaving (allowed: less than {{after}})'
                correlation:
                  first: {on: [person.left], key: data.k}
                  then: {on: [person.login], key: data.k}
                  mode: not-followed-after
                  after: 1h
                  grace: 10m
            """, "correlation-test.yaml"));

    /** Empty states are deleted at once (nothing kept to recognise late events), so what a key remembers shows. */
    static final StatefulRuntime.Settings FORGET_AT_ONCE = new StatefulRuntime.Settings(Duration.ZERO,
            StatefulRuntime.Settings.DEFAULTS.maxFutureSkew(), StatefulRuntime.Settings.DEFAULTS.sourceRetention(),
            StatefulRuntime.Settings.DEFAULTS.maxSources(), StatefulRuntime.Settings.DEFAULTS.maxFeedersPerControl());

    static CloudEvent ev(String id, String source, String type, String key, Instant time) {
        ObjectNode data = ModelJson.mapper().valueToTree(Map.of("k", key));
        return new CloudEvent("1.0", id, source, type, null, time.atOffset(ZoneOffset.UTC), "application/json", null,
                data, null, null, null);
    }

    static RuntimeHarness partition() {
        return new RuntimeHarness(ENGINE, FORGET_AT_ONCE);
    }

    /** An event as it happens: evaluated at its own time. */
    static List<ControlExecution> now(RuntimeHarness p, String id, String source, String type, String key, Instant time) {
        return p.event(ev(id, source, type, key, time), time);
    }

    static String summary(ControlExecution e) {
        return e.result() + " " + e.subject() + " " + e.eventTime() + " " + e.evidenceEventIds();
    }

    // --- followed-within ------------------------------------------------------------------------------------------

    @Test
    void followedWithin_aFollowUpAtTheVeryTimeOfTheFirstPassesAtOnce() {
        RuntimeHarness p = partition();
        now(p, "o1", A, "ticket.opened", "k1", T0);
        assertThat(now(p, "c1", B, "ticket.closed", "k1", T0)).extracting(CorrelationStateTest::summary)
                .containsExactly("PASS k1 " + T0 + " [o1, c1]");
        p.tick(T0.plus(W).plus(G).plus(Duration.ofHours(1)));
        assertThat(p.of(FW)).as("decided once: no FAIL at the deadline").hasSize(1);
    }

    @Test
    void followedWithin_aFollowUpTimedBeforeTheFirstDoesNotCountAndDoesNotFailIt() {
        RuntimeHarness p = partition();
        now(p, "o1", A, "ticket.opened", "k1", T0);
        // the closing event is delivered after the opening but says it happened 30 minutes earlier
        assertThat(p.event(ev("c0", B, "ticket.closed", "k1", T0.minus(Duration.ofMinutes(30))), T0.plusSeconds(1)))
                .as("neither a pass nor a missed deadline").isEmpty();
        assertThat(p.event(ev("c1", B, "ticket.closed", "k1", T0.minus(MS)), T0.plusSeconds(2))).isEmpty();
        assertThat(p.tick(T0.plus(W).plus(G).plus(Duration.ofMinutes(20)))).extracting(CorrelationStateTest::summary)
                .containsExactly("FAIL k1 " + T0.plus(W) + " [o1]");
    }

    @Test
    void followedWithin_theFirstPendingFailsExactlyAtDeadlinePlusGraceWithItsReasonAndMessage() {
        RuntimeHarness p = partition();
        now(p, "o1", A, "ticket.opened", "k1", T0);
        assertThat(p.store.earliestDeadline(FW)).isEqualTo(T0.plus(W).plus(G));
        assertThat(p.tick(T0.plus(W).plus(G).minus(MS))).isEmpty();
        assertThat(p.tick(T0.plus(W).plus(G))).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.FAIL);
            assertThat(e.eventTime()).isEqualTo(T0.plus(W));
            assertThat(e.evidenceEventIds()).containsExactly("o1");
            assertThat(e.reason()).isEqualTo("no ticket.closed or ticket.cancelled within 1h of ticket.opened o1");
            assertThat(e.message()).isEqualTo("ticket k1 not closed within 1h (due 2026-03-02T11:00:00Z)");
        });
        // the failure stays open for a late follow-up for 10 intervals, then it is forgotten
        assertThat(p.store.earliestDeadline(FW)).isEqualTo(T0.plus(W.multipliedBy(10)));
        assertThat(p.tick(T0.plus(W.multipliedBy(10)).minus(MS))).isEmpty();
        assertThat(p.store.stateCount()).isEqualTo(1);
        assertThat(p.tick(T0.plus(W.multipliedBy(10)))).isEmpty();
        assertThat(p.store.stateCount()).as("forgotten after 10 intervals").isZero();
        assertThat(p.store.earliestDeadline(FW)).isNull();
        assertThat(now(p, "c1", B, "ticket.closed", "k1", T0.plus(W.multipliedBy(10)))).as("nothing left to resolve")
                .isEmpty();
    }

    @Test
    void followedWithin_aFailedFirstIsResolvedByAFollowUpUntilTheLastMomentOfItsRetention() {
        RuntimeHarness p = partition();
        now(p, "o1", A, "ticket.opened", "k1", T0);
        p.tick(T0.plus(W.multipliedBy(10)).minus(MS));
        assertThat(p.of(FW)).hasSize(1);
        assertThat(now(p, "c1", B, "ticket.closed", "k1", T0.plus(W.multipliedBy(10)).minus(MS)))
                .singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.PASS);
            assertThat(e.evidenceEventIds()).containsExactly("o1", "c1");
            assertThat(e.reason()).isEqualTo("resolved: ticket.closed arrived after the deadline of o1");
            assertThat(e.message()).isNull();
        });
        assertThat(now(p, "c2", B, "ticket.cancelled", "k1", T0.plus(W.multipliedBy(10))))
                .as("resolved once: a second follow-up resolves nothing").isEmpty();
    }

    @Test
    void followedWithin_oneFollowUpResolvesEveryEarlierFailedFirstInOneExecution() {
        RuntimeHarness p = partition();
        now(p, "o1", A, "ticket.opened", "k1", T0);
        now(p, "o2", A, "ticket.opened", "k1", T0.plus(Duration.ofMinutes(5)));
        p.tick(T0.plus(Duration.ofHours(3)));
        assertThat(p.of(FW)).extracting(CorrelationStateTest::summary).containsExactly(
                "FAIL k1 " + T0.plus(W) + " [o1]", "FAIL k1 " + T0.plus(W).plus(Duration.ofMinutes(5)) + " [o2]");
        assertThat(now(p, "c1", B, "ticket.closed", "k1", T0.plus(Duration.ofHours(3)))).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.PASS);
            assertThat(e.evidenceEventIds()).containsExactly("o1", "o2", "c1");
            assertThat(e.reason()).isEqualTo("resolved: ticket.closed arrived after the deadline of o1, o2");
        });
        assertThat(now(p, "c2", B, "ticket.closed", "k1", T0.plus(Duration.ofHours(3)).plusSeconds(1)))
                .as("resolved once: the next follow-up resolves nothing").isEmpty();
    }

    @Test
    void followedWithin_aFailureStaysOpenForItsRetentionWhileOtherDeadlinesOfTheKeyAreDecided() {
        RuntimeHarness p = partition();
        now(p, "o1", A, "ticket.opened", "k1", T0);
        now(p, "o2", A, "ticket.opened", "k1", T0.plus(Duration.ofHours(5)));
        p.tick(T0.plus(Duration.ofHours(7))); // o1 failed at 11:10 already; o2 fails now
        assertThat(p.of(FW)).extracting(ControlExecution::result).containsExactly(ExecutionResult.FAIL, ExecutionResult.FAIL);
        assertThat(now(p, "c1", B, "ticket.closed", "k1", T0.plus(Duration.ofHours(7))))
                .extracting(ControlExecution::evidenceEventIds).containsExactly(List.of("o1", "o2", "c1"));
    }

    @Test
    void followedWithin_aFollowUpIsRememberedForLateFirstsWhileOtherDeadlinesOfTheKeyAreDecided() {
        RuntimeHarness p = partition();
        Instant closed = T0.plus(W).plus(Duration.ofMinutes(30));
        now(p, "c1", B, "ticket.closed", "k1", closed);
        // o1, recorded late, is more than an hour before c1: it waits for its own deadline and fails
        p.event(ev("o1", A, "ticket.opened", "k1", T0), closed.plusSeconds(1));
        p.tick(T0.plus(W).plus(G).plus(Duration.ofMinutes(25)));
        assertThat(p.of(FW)).extracting(CorrelationStateTest::summary).containsExactly("FAIL k1 " + T0.plus(W) + " [o1]");
        // c1 is still remembered: a first recorded now, within the hour before it, passes with it
        Instant opened = closed.minus(Duration.ofMinutes(2)); // not late: within the grace of what the key decided
        assertThat(p.event(ev("o2", A, "ticket.opened", "k1", opened), T0.plus(W).plus(G).plus(Duration.ofMinutes(26))))
                .extracting(CorrelationStateTest::summary).containsExactly("PASS k1 " + closed + " [o2, c1]");
    }

    @Test
    void followedWithin_aFollowUpIsRememberedForWithinPlusGraceEvenWhenTheGraceIsAsLongAsWithin() {
        RuntimeHarness p = partition();
        Instant t = T0;
        now(p, "k1", B, "page.acked", "x", t);
        // a page sent 15 minutes before the ack, recorded late: too early for it, fails at its deadline + grace
        p.event(ev("s1", A, "page.sent", "x", t.minus(Duration.ofMinutes(15))), t.plusSeconds(1));
        p.tick(t.plus(Duration.ofMinutes(5)));
        assertThat(p.of(FW_SHORT)).extracting(CorrelationStateTest::summary)
                .containsExactly("FAIL x " + t.minus(Duration.ofMinutes(5)) + " [s1]");
        // the ack is still remembered (until 20 minutes after it): a page sent 2 minutes before it passes with it
        assertThat(p.event(ev("s2", A, "page.sent", "x", t.minus(Duration.ofMinutes(2))), t.plus(Duration.ofMinutes(5)).plusSeconds(1)))
                .extracting(CorrelationStateTest::summary).containsExactly("PASS x " + t + " [s2, k1]");
    }

    @Test
    void followedWithin_aFollowUpExactlyAtTheDeadlinePassesAndTheFirstIsNotFailedLater() {
        RuntimeHarness p = partition();
        now(p, "o1", A, "ticket.opened", "k1", T0);
        assertThat(now(p, "c1", B, "ticket.closed", "k1", T0.plus(W))).extracting(CorrelationStateTest::summary)
                .containsExactly("PASS k1 " + T0.plus(W) + " [o1, c1]");
        // the follow-up is remembered for late firsts until within + grace after it, then forgotten
        assertThat(p.store.earliestDeadline(FW)).isEqualTo(T0.plus(W).plus(W).plus(G));
        assertThat(p.tick(T0.plus(W).plus(W).plus(G).minus(MS))).isEmpty();
        assertThat(p.store.stateCount()).isEqualTo(1);
        assertThat(p.tick(T0.plus(W).plus(W).plus(G))).as("passed: never failed").isEmpty();
        assertThat(p.store.stateCount()).isZero();
    }

    @Test
    void followedWithin_aFollowUpAfterTheDeadlineButWithinTheGraceFailsThenResolvesAtOnce() {
        RuntimeHarness p = partition();
        now(p, "o1", A, "ticket.opened", "k1", T0);
        assertThat(now(p, "c1", B, "ticket.closed", "k1", T0.plus(W).plus(MS))).extracting(CorrelationStateTest::summary)
                .containsExactly("FAIL k1 " + T0.plus(W) + " [o1]", "PASS k1 " + T0.plus(W).plus(MS) + " [o1, c1]");
        assertThat(p.of(FW).get(0).message()).isEqualTo("ticket k1 not closed within 1h (due 2026-03-02T11:00:00Z)");
        p.tick(T0.plus(Duration.ofDays(1)));
        assertThat(p.of(FW)).as("nothing more, ever").hasSize(2);
        assertThat(p.store.stateCount()).isZero();
    }

    @Test
    void followedWithin_aLateFirstPassesWithTheEarliestRememberedFollowUpInItsInterval() {
        RuntimeHarness p = partition();
        // recorded latest first
        now(p, "c2", B, "ticket.closed", "k1", T0.plus(Duration.ofMinutes(1)));
        p.event(ev("c1", B, "ticket.closed", "k1", T0), T0.plus(Duration.ofMinutes(1)).plusSeconds(1));
        p.event(ev("c0", B, "ticket.closed", "k1", T0.minus(MS)), T0.plus(Duration.ofMinutes(1)).plusSeconds(2));
        assertThat(p.of(FW)).isEmpty();
        // the first is recorded late, with its own earlier time, from its own source
        assertThat(p.event(ev("o1", A, "ticket.opened", "k1", T0), T0.plus(Duration.ofMinutes(2))))
                .extracting(CorrelationStateTest::summary).containsExactly("PASS k1 " + T0 + " [o1, c1]");
    }

    @Test
    void followedWithin_aLateFirstPassesWithAFollowUpExactlyAtItsDeadlineButNotOneAfter() {
        RuntimeHarness p = partition();
        now(p, "c1", B, "ticket.closed", "k1", T0.plus(W));
        assertThat(p.event(ev("o1", A, "ticket.opened", "k1", T0), T0.plus(W).plusSeconds(1)))
                .extracting(CorrelationStateTest::summary).containsExactly("PASS k1 " + T0.plus(W) + " [o1, c1]");

        RuntimeHarness q = partition();
        now(q, "c1", B, "ticket.closed", "k2", T0.plus(W).plus(MS));
        assertThat(q.event(ev("o1", A, "ticket.opened", "k2", T0), T0.plus(W).plusSeconds(1))).isEmpty();
        assertThat(q.store.earliestDeadline(FW)).as("the first waits for its deadline + grace")
                .isEqualTo(T0.plus(W).plus(G));
    }

    @Test
    void followedWithin_theNextDeadlineIsTheEarliestOfEverythingPending() {
        RuntimeHarness p = partition();
        now(p, "o2", A, "ticket.opened", "k1", T0.plus(Duration.ofMinutes(5)));
        p.event(ev("o1", A, "ticket.opened", "k1", T0), T0.plus(Duration.ofMinutes(5)));
        assertThat(p.store.earliestDeadline(FW)).isEqualTo(T0.plus(W).plus(G));
        now(p, "o3", A, "ticket.opened", "k1", T0.plus(Duration.ofMinutes(6)));
        assertThat(p.store.earliestDeadline(FW)).isEqualTo(T0.plus(W).plus(G));
        p.tick(T0.plus(W).plus(G).plus(Duration.ofMinutes(5)));
        assertThat(p.of(FW)).extracting(ControlExecution::evidenceEventIds)
                .containsExactlyInAnyOrder(List.of("o1"), List.of("o2"));
        assertThat(p.store.earliestDeadline(FW)).isEqualTo(T0.plus(W).plus(G).plus(Duration.ofMinutes(6)));
    }

    @Test
    void followedWithin_aKeyRemembersAtMostTheLatest50FirstsAwaitingAFollowUp() {
        RuntimeHarness p = partition();
        for (int i = 1; i <= 50; i++) {
            now(p, "o" + i, A, "ticket.opened", "k1", T0.plusSeconds(i));
        }
        // the oldest is recorded last (its source was a little slow): it is the one forgotten
        p.event(ev("o0", A, "ticket.opened", "k1", T0), T0.plusSeconds(51));
        p.tick(T0.plus(Duration.ofHours(2)));
        assertThat(p.of(FW)).hasSize(50).extracting(e -> e.evidenceEventIds().get(0))
                .containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(1, 50).mapToObj(i -> "o" + i).toList());
    }

    @Test
    void followedWithin_exactly50FirstsAreAllRemembered() {
        RuntimeHarness p = partition();
        for (int i = 0; i < 50; i++) {
            now(p, "o" + i, A, "ticket.opened", "k1", T0.plusSeconds(i));
        }
        p.tick(T0.plus(Duration.ofHours(2)));
        assertThat(p.of(FW)).hasSize(50);
    }

    @Test
    void aPendingFirstReadBackFromItsStoredJsonFailsNamingItsOwnEvent() {
        RuntimeHarness p = partition();
        Instant ingested = T0.plusSeconds(30);
        ObjectNode data = ModelJson.mapper().valueToTree(Map.of("k", "k1"));
        p.event(new CloudEvent("1.0", "o1", A, "ticket.opened", null, T0.atOffset(ZoneOffset.UTC), "application/json",
                null, data, "alice@example.com", null, null), ingested);
        // as after a restart: the state is what its JSON says
        String key = StateKeys.of(FW, "k1");
        p.store.put(key, RuleStateJson.fromJson(RuleStateJson.toJson(p.store.get(key))));
        assertThat(p.tick(T0.plus(W).plus(G).plus(Duration.ofMinutes(1)))).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.FAIL);
            assertThat(e.eventTime()).isEqualTo(T0.plus(W));
            assertThat(e.evidenceEventIds()).containsExactly("o1");
            assertThat(e.eventId()).isEqualTo("o1");
            assertThat(e.eventSource()).isEqualTo(A);
            assertThat(e.eventType()).isEqualTo("ticket.opened");
            assertThat(e.ingestTime()).isEqualTo(ingested);
            assertThat(e.submitter()).isEqualTo("alice@example.com");
            assertThat(e.backfilled()).isFalse();
            assertThat(e.reason()).isEqualTo("no ticket.closed or ticket.cancelled within 1h of ticket.opened o1");
        });
    }

    // --- preceded-within ------------------------------------------------------------------------------------------

    @Test
    void precededWithin_aFirstExactlyWithinBeforeOrAtTheSameTimePassesWithTheLatestFirst() {
        RuntimeHarness p = partition();
        now(p, "a1", A, "change.approved", "k1", T0);
        now(p, "a2", A, "change.approved", "k1", T0.plusSeconds(1));
        assertThat(now(p, "d1", B, "change.done", "k1", T0.plus(W))).extracting(CorrelationStateTest::summary)
                .containsExactly("PASS k1 " + T0.plus(W) + " [a2, d1]");
        assertThat(now(p, "d2", B, "change.done", "k1", T0.plus(W).plusSeconds(1)))
                .extracting(CorrelationStateTest::summary).containsExactly("PASS k1 " + T0.plus(W).plusSeconds(1) + " [a2, d2]");
        RuntimeHarness q = partition();
        now(q, "a1", A, "change.approved", "k2", T0);
        assertThat(now(q, "d1", B, "change.done", "k2", T0)).extracting(CorrelationStateTest::summary)
                .containsExactly("PASS k2 " + T0 + " [a1, d1]");
    }

    @Test
    void precededWithin_aFirstMoreThanWithinBeforeOrAfterTheThenDoesNotCount() {
        RuntimeHarness p = partition();
        now(p, "a1", A, "change.approved", "k1", T0);
        assertThat(now(p, "d1", B, "change.done", "k1", T0.plus(W).plus(MS))).isEmpty();
        // an approval timed after the change (delivered later) does not approve it
        now(p, "a2", A, "change.approved", "k1", T0.plus(W).plus(Duration.ofMinutes(1)));
        assertThat(p.of(PW)).isEmpty();
        assertThat(p.tick(T0.plus(W).plus(MS).plus(G))).extracting(CorrelationStateTest::summary)
                .containsExactly("FAIL k1 " + T0.plus(W).plus(MS) + " [d1]");
    }

    @Test
    void precededWithin_anApprovalDatedAfterTheChangeDoesNotApproveIt() {
        RuntimeHarness p = partition();
        now(p, "a1", A, "change.approved", "k1", T0.plus(MS));
        assertThat(p.event(ev("d1", B, "change.done", "k1", T0), T0.plusSeconds(1))).isEmpty();
        assertThat(p.tick(T0.plus(G).plusSeconds(1))).extracting(CorrelationStateTest::summary)
                .containsExactly("FAIL k1 " + T0 + " [d1]");
    }

    @Test
    void precededWithin_aThenWithoutFirstFailsOnceAtItsTimePlusGraceWithItsReasonAndMessage() {
        RuntimeHarness p = partition();
        now(p, "d1", B, "change.done", "k1", T0);
        assertThat(p.store.earliestDeadline(PW)).isEqualTo(T0.plus(G));
        assertThat(p.tick(T0.plus(G).minus(MS))).isEmpty();
        assertThat(p.tick(T0.plus(G))).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.FAIL);
            assertThat(e.eventTime()).isEqualTo(T0);
            assertThat(e.evidenceEventIds()).containsExactly("d1");
            assertThat(e.reason()).isEqualTo("no change.approved within 1h before change.done d1");
            assertThat(e.message()).isEqualTo("change k1 not approved in the 1h before it");
        });
        assertThat(p.store.stateCount()).as("decided: nothing left").isZero();
        assertThat(p.store.earliestDeadline(PW)).isNull();
        assertThat(p.tick(T0.plus(Duration.ofDays(1)))).isEmpty();
    }

    /** A change recorded at {@code done}, then an approval timed T0 that its own source delivers a little later. */
    static List<ControlExecution> approvedLate(Instant done) {
        RuntimeHarness p = partition();
        now(p, "d1", B, "change.done", "k1", done);
        List<ControlExecution> out = p.event(ev("a1", A, "change.approved", "k1", T0), done.plusSeconds(1));
        assertThat(p.tick(done.plus(G).plusSeconds(1))).as("a change is decided once").hasSize(out.isEmpty() ? 1 : 0);
        return out;
    }

    @Test
    void precededWithin_aLateFirstApprovesAPendingThenFromItsOwnTimeToExactlyWithinAfterIt() {
        assertThat(approvedLate(T0)).extracting(CorrelationStateTest::summary).containsExactly("PASS k1 " + T0 + " [a1, d1]");
        assertThat(approvedLate(T0.plus(W))).extracting(CorrelationStateTest::summary)
                .containsExactly("PASS k1 " + T0.plus(W) + " [a1, d1]");
        assertThat(approvedLate(T0.minus(MS))).as("a change before its approval").isEmpty();
        assertThat(approvedLate(T0.plus(W).plus(MS))).as("a change too long after its approval").isEmpty();
    }

    @Test
    void precededWithin_aFirstStaysRememberedWhileAnotherChangeOfTheKeyIsDecided() {
        RuntimeHarness p = partition();
        now(p, "a1", A, "change.approved", "k1", T0);
        // a change timed just before the approval (recorded after it): not approved by it, fails after the grace
        p.event(ev("d0", B, "change.done", "k1", T0.minus(MS)), T0.plusSeconds(1));
        p.tick(T0.plus(G).plusSeconds(1));
        assertThat(p.of(PW)).extracting(CorrelationStateTest::summary).containsExactly("FAIL k1 " + T0.minus(MS) + " [d0]");
        assertThat(now(p, "d1", B, "change.done", "k1", T0.plus(Duration.ofMinutes(30))))
                .extracting(CorrelationStateTest::summary)
                .containsExactly("PASS k1 " + T0.plus(Duration.ofMinutes(30)) + " [a1, d1]");
    }

    @Test
    void precededWithin_aFirstIsRememberedForWithinPlusGraceEvenWhenTheGraceIsAsLongAsWithin() {
        RuntimeHarness p = partition();
        now(p, "a1", A, "deploy.approved", "x", T0);
        // a deploy timed 5 minutes before the approval (recorded after it): not approved, fails after the grace
        p.event(ev("d0", B, "deploy.done", "x", T0.minus(Duration.ofMinutes(5))), T0.plusSeconds(1));
        p.tick(T0.plus(Duration.ofMinutes(5)));
        assertThat(p.of(PW_SHORT)).extracting(CorrelationStateTest::summary)
                .containsExactly("FAIL x " + T0.minus(Duration.ofMinutes(5)) + " [d0]");
        // the approval is still remembered (until 20 minutes after it): a deploy 8 minutes after it is approved
        assertThat(p.event(ev("d1", B, "deploy.done", "x", T0.plus(Duration.ofMinutes(8))), T0.plus(Duration.ofMinutes(8))))
                .extracting(CorrelationStateTest::summary).containsExactly("PASS x " + T0.plus(Duration.ofMinutes(8)) + " [a1, d1]");
    }

    @Test
    void precededWithin_aFirstIsRememberedUntilWithinPlusGraceAfterIt() {
        RuntimeHarness p = partition();
        now(p, "a1", A, "change.approved", "k1", T0);
        assertThat(p.store.earliestDeadline(PW)).isEqualTo(T0.plus(W).plus(G));
        p.tick(T0.plus(W).plus(G).minus(MS));
        assertThat(p.store.stateCount()).isEqualTo(1);
        p.tick(T0.plus(W).plus(G));
        assertThat(p.store.stateCount()).isZero();
        assertThat(p.of(PW)).as("an approval alone decides nothing").isEmpty();
    }

    // --- not-followed-after ---------------------------------------------------------------------------------------

    @Test
    void notFollowedAfter_aLoginAtTheVeryTimeOfLeavingIsDecidedAtOnce() {
        RuntimeHarness p = partition();
        now(p, "l1", A, "person.left", "k1", T0);
        assertThat(now(p, "g1", B, "person.login", "k1", T0)).singleElement().satisfies(e -> {
            assertThat(summary(e)).isEqualTo("PASS k1 " + T0 + " [l1, g1]");
            assertThat(e.reason()).isNull();
            assertThat(e.message()).as("only a failure has a message").isNull();
        });
        assertThat(now(p, "g2", B, "person.login", "k1", T0.plus(W).minus(MS))).extracting(ControlExecution::result)
                .containsExactly(ExecutionResult.PASS);
        assertThat(now(p, "g3", B, "person.login", "k1", T0.plus(W))).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.FAIL);
            assertThat(e.evidenceEventIds()).containsExactly("l1", "g3");
            assertThat(e.reason()).isEqualTo("person.login 1h after person.left l1 (allowed: less than 1h)");
            assertThat(e.message()).isEqualTo("k1 logged in 1h after leaving (allowed: less than 1h)");
        });
    }

    @Test
    void notFollowedAfter_theGapIsMeasuredFromTheLatestLeavingBeforeTheLogin() {
        RuntimeHarness p = partition();
        now(p, "l1", A, "person.left", "k1", T0);
        now(p, "l2", A, "person.left", "k1", T0.plus(Duration.ofMinutes(30)));
        now(p, "l3", A, "person.left", "k1", T0.plus(Duration.ofHours(3)));
        assertThat(now(p, "g1", B, "person.login", "k1", T0.plus(W).plus(Duration.ofMinutes(10))))
                .extracting(CorrelationStateTest::summary)
                .containsExactly("PASS k1 " + T0.plus(W).plus(Duration.ofMinutes(10)) + " [l2, g1]");
    }

    @Test
    void notFollowedAfter_eachPendingLoginIsForgottenAtItsOwnGraceOnly() {
        RuntimeHarness p = partition();
        now(p, "g1", B, "person.login", "k1", T0);
        now(p, "g2", B, "person.login", "k1", T0.plus(Duration.ofMinutes(5)));
        p.tick(T0.plus(G)); // g1 can no longer be decided; g2 can, for 5 more minutes
        assertThat(p.store.earliestDeadline(NFA)).isEqualTo(T0.plus(Duration.ofMinutes(5)).plus(G));
        assertThat(p.event(ev("l1", A, "person.left", "k1", T0), T0.plus(G).plusSeconds(1)))
                .extracting(CorrelationStateTest::summary)
                .containsExactly("PASS k1 " + T0.plus(Duration.ofMinutes(5)) + " [l1, g2]");
    }

    @Test
    void notFollowedAfter_aLoginDatedBeforeTheOnlyLeavingIsNotDecidedByIt() {
        RuntimeHarness p = partition();
        now(p, "l1", A, "person.left", "k1", T0);
        assertThat(p.event(ev("g0", B, "person.login", "k1", T0.minus(MS)), T0.plusSeconds(1))).isEmpty();
        assertThat(p.store.earliestDeadline(NFA)).as("it waits the grace for an earlier leaving").isEqualTo(T0.minus(MS).plus(G));
        p.tick(T0.plus(Duration.ofHours(1)));
        assertThat(p.of(NFA)).isEmpty();
    }

    @Test
    void notFollowedAfter_aLoginBeforeAnyLeavingWaitsTheGraceThenIsForgottenWithoutExecution() {
        RuntimeHarness p = partition();
        now(p, "g1", B, "person.login", "k1", T0);
        assertThat(p.store.earliestDeadline(NFA)).isEqualTo(T0.plus(G));
        p.tick(T0.plus(G).minus(MS));
        assertThat(p.store.stateCount()).isEqualTo(1);
        assertThat(p.tick(T0.plus(G))).isEmpty();
        assertThat(p.store.stateCount()).isZero();
        assertThat(p.of(NFA)).isEmpty();
    }

    @Test
    void notFollowedAfter_aLateLeavingDecidesEachPendingLoginOnceAndLeavesNothingPending() {
        RuntimeHarness p = partition();
        now(p, "g1", B, "person.login", "k1", T0.plus(W));
        now(p, "g2", B, "person.login", "k1", T0.plus(W).plus(Duration.ofMinutes(5)));
        assertThat(p.event(ev("l1", A, "person.left", "k1", T0), T0.plus(W).plus(Duration.ofMinutes(6))))
                .extracting(CorrelationStateTest::summary).containsExactlyInAnyOrder(
                        "FAIL k1 " + T0.plus(W) + " [l1, g1]",
                        "FAIL k1 " + T0.plus(W).plus(Duration.ofMinutes(5)) + " [l1, g2]");
        assertThat(p.store.earliestDeadline(NFA)).as("the leaving is remembered for good, nothing is pending").isNull();
        // a second, earlier record of leaving does not decide the same logins again
        assertThat(p.event(ev("l0", A, "person.left", "k1", T0.minus(Duration.ofMinutes(1))),
                T0.plus(W).plus(Duration.ofMinutes(7)))).isEmpty();
    }

    @Test
    void notFollowedAfter_aLateLeavingDecidesPendingLoginsFromItsOwnTimeOn() {
        RuntimeHarness p = partition();
        now(p, "g0", B, "person.login", "k1", T0.minus(MS));
        now(p, "g1", B, "person.login", "k1", T0);
        assertThat(p.event(ev("l1", A, "person.left", "k1", T0), T0.plusSeconds(1)))
                .extracting(CorrelationStateTest::summary).containsExactly("PASS k1 " + T0 + " [l1, g1]");
        assertThat(p.store.earliestDeadline(NFA)).as("the login before the leaving still waits for an earlier one")
                .isEqualTo(T0.minus(MS).plus(G));
        p.tick(T0.plus(Duration.ofHours(1)));
        assertThat(p.of(NFA)).hasSize(1);
    }

    @Test
    void notFollowedAfter_onlyTheLatest8LoginsAwaitingALateLeavingAreKept() {
        RuntimeHarness p = partition();
        Instant start = T0.plus(W);
        for (int i = 1; i <= 8; i++) {
            now(p, "g" + i, B, "person.login", "k1", start.plusSeconds(i));
        }
        p.event(ev("g0", B, "person.login", "k1", start), start.plusSeconds(9)); // the oldest, recorded last
        assertThat(p.event(ev("l1", A, "person.left", "k1", T0), start.plusSeconds(10)))
                .extracting(e -> e.evidenceEventIds().get(1))
                .containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(1, 8).mapToObj(i -> "g" + i).toList());
    }

    @Test
    void notFollowedAfter_exactly8PendingLoginsAreAllKept() {
        RuntimeHarness p = partition();
        Instant start = T0.plus(W);
        for (int i = 0; i < 8; i++) {
            now(p, "g" + i, B, "person.login", "k1", start.plusSeconds(i));
        }
        assertThat(p.event(ev("l1", A, "person.left", "k1", T0), start.plusSeconds(9))).hasSize(8);
    }
}
