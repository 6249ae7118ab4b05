package io.controlwatch.evaluation.stream;

import io.controlwatch.engine.ControlPackLoader;
import io.controlwatch.engine.StateKeys;
import io.controlwatch.evaluation.service.ActivePack;
import io.controlwatch.evaluation.stream.internal.StatefulRules;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ExecutionResult;
import io.controlwatch.model.ModelJson;
import io.controlwatch.model.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stateful controls through the real topology (repartition by (control, key), changelogged stores, wall-clock
 * punctuation) on simulated time: the wiring the fixture runner does not exercise.
 */
class StatefulTopologyTest {

    static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");

    static final String PACK = """
            pack: topology-test
            formatVersion: 1
            controls:
              - id: t-failed-logins
                title: Failed login burst
                criteria: [CC7.2]
                severity: medium
                threshold: {on: [auth.login], when: 'data.outcome == "failure"', key: data.user, window: 5m, atLeast: 3, grace: 1m}
              - id: a-backups
                title: Backups every 2 h
                criteria: [A1.2]
                severity: high
                absence: {expect: [backup.completed], key: data.system, within: 2h, grace: 5m, keys: [declared-db], retireAfter: 1d}
              - id: c-deploy-needs-approval
                title: Deploys need an approved PR
                criteria: [CC8.1]
                severity: high
                correlation:
                  first: {on: [vcs.pull_request.merged], when: 'data.approvals > 0', key: data.commit}
                  then: {on: [deploy.completed], key: data.commit}
                  mode: preceded-within
                  within: 7d
                  grace: 2m
            """;

    TopologyTestDriver driver;
    TestInputTopic<String, byte[]> events;
    TestOutputTopic<String, String> executions;
    ActivePack pack;
    ManualClock clock;
    SimpleMeterRegistry registry;

    @BeforeEach
    void start() {
        pack = new ActivePack(ControlPackLoader.parse(PACK, "topology-test.yaml"));
        clock = new ManualClock(T0);
        registry = new SimpleMeterRegistry();
        driver = new TopologyTestDriver(EvaluationTopology.build(pack, clock, registry,
                // TopologyTestDriver runs every topic with one partition, so one partition of rule state
                new EvaluationTopology.Settings(1, Duration.ofMinutes(5))), EvaluationTopologyTest.props(), T0);
        events = driver.createInputTopic(Topics.EVENTS, new StringSerializer(), new ByteArraySerializer());
        executions = driver.createOutputTopic(Topics.EXECUTIONS, new StringDeserializer(), new StringDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    /** An event of source urn:test arriving as it happens (the wall clock moves to its time). */
    void send(String id, String type, Instant time, String data) {
        clock.moveTo(time);
        send("urn:test", id, type, time, data, clock.instant());
    }

    /** An event of a source arriving at wall-clock time {@code arrival} (after its time, for a delayed source). */
    void send(String source, String id, String type, Instant time, String data, Instant arrival) {
        clock.moveTo(arrival);
        String json = """
                {"specversion":"1.0","id":"%s","source":"%s","type":"%s","time":"%s","data":%s}"""
                .formatted(id, source, type, time, data);
        events.pipeInput(new TestRecord<>("k", json.getBytes(StandardCharsets.UTF_8), arrival));
    }

    /** Wall-clock time passes: for the service's clock and for the punctuation of the topology alike. */
    void advance(Duration by) {
        clock.advance(by);
        driver.advanceWallClockTime(by);
    }

    List<ControlExecution> read() {
        return read(executions);
    }

    /** The executions written to the topic since the last read, parsed (shared by the topology tests). */
    static List<ControlExecution> read(TestOutputTopic<String, String> executions) {
        return executions.readValuesToList().stream().map(json -> {
            try {
                return ModelJson.mapper().readValue(json, ControlExecution.class);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    @Test
    void aBurstFailsAtOnceAndAQuietWindowPassesWhenItClosesOnEventTime() {
        send("f1", "auth.login", T0, "{\"user\":\"alice\",\"outcome\":\"failure\"}");
        send("f2", "auth.login", T0.plusSeconds(10), "{\"user\":\"alice\",\"outcome\":\"failure\"}");
        send("f3", "auth.login", T0.plusSeconds(20), "{\"user\":\"alice\",\"outcome\":\"failure\"}");
        send("g1", "auth.login", T0.plusSeconds(30), "{\"user\":\"bob\",\"outcome\":\"failure\"}");

        assertThat(read()).singleElement().satisfies(e -> {
            assertThat(e.controlId()).isEqualTo("t-failed-logins");
            assertThat(e.result()).isEqualTo(ExecutionResult.FAIL);
            assertThat(e.subject()).isEqualTo("alice");
            assertThat(e.evidenceEventIds()).containsExactly("f1", "f2", "f3");
        });

        // bob's window [10:00, 10:05) closes at 10:06 on event time: any later event moves the clock
        send("f4", "auth.login", T0.plus(Duration.ofMinutes(6)), "{\"user\":\"carol\",\"outcome\":\"failure\"}");
        assertThat(read()).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.PASS);
            assertThat(e.subject()).isEqualTo("bob");
            assertThat(e.eventTime()).isEqualTo(T0.plus(Duration.ofMinutes(5)));
        });
    }

    @Test
    void anAbsenceIsNoticedOnWallClockTimeWhenNoEventsFlow() {
        send("b1", "backup.completed", T0, "{\"system\":\"orders-db\"}");
        assertThat(read()).extracting(ControlExecution::result, ControlExecution::subject)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(ExecutionResult.PASS, "orders-db"));

        // still inside the interval: nothing
        advance(Duration.ofMinutes(90));
        assertThat(read()).isEmpty();

        // deadline 12:00 + 5 min grace passed on the wall clock, and no event came: both keys fail, once
        advance(Duration.ofMinutes(40));
        advance(Duration.ofMinutes(40));
        List<ControlExecution> failures = read();
        assertThat(failures).extracting(ControlExecution::subject).containsExactlyInAnyOrder("orders-db", "declared-db");
        assertThat(failures).allSatisfy(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.FAIL);
            assertThat(e.eventTime()).isEqualTo(T0.plus(Duration.ofHours(2)));
        });

        // the next backup resolves it
        send("b2", "backup.completed", T0.plus(Duration.ofHours(3)), "{\"system\":\"orders-db\"}");
        assertThat(read()).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.PASS);
            assertThat(e.reason()).startsWith("resolved");
        });
    }

    @Test
    void aFailedKeySilentForItsRetireAfterIsDeletedFromBothStoresCountedAndSeenAfreshWhenItReturns() {
        send("b1", "backup.completed", T0, "{\"system\":\"orders-db\"}");
        advance(Duration.ofMinutes(130)); // 12:10: orders-db and declared-db failed at 12:00
        assertThat(read()).filteredOn(e -> e.result() == ExecutionResult.FAIL).hasSize(2);
        KeyValueStore<String, String> state = driver.getKeyValueStore(StatefulRules.STATE_STORE);
        KeyValueStore<String, String> deadlines = driver.getKeyValueStore(StatefulRules.DEADLINES_STORE);
        String ordersDb = StateKeys.of("a-backups", "orders-db");
        String declaredDb = StateKeys.of("a-backups", "declared-db");
        assertThat(state.get(ordersDb)).isNotNull();
        assertThat(indexed(deadlines)).as("indexed at its retirement").contains(ordersDb);

        // retired at 12:00 + 5m grace + 1d, without an execution; the emptied state is kept the idle time (15 min)
        Instant retiresAt = T0.plus(Duration.ofHours(2)).plus(Duration.ofMinutes(5)).plus(Duration.ofDays(1));
        advance(Duration.between(clock.instant(), retiresAt).minusSeconds(1));
        assertThat(retired()).isZero();
        advance(Duration.ofSeconds(1));
        assertThat(retired()).isEqualTo(1);
        advance(Duration.ofMinutes(15));
        assertThat(read()).as("retiring records no execution").isEmpty();
        assertThat(state.get(ordersDb)).as("gone from the state store").isNull();
        assertThat(indexed(deadlines)).as("and from the deadline index").doesNotContain(ordersDb);
        assertThat(state.get(declaredDb)).as("a declared key is never retired").isNotNull();

        // its next backup is a first sighting: a PASS, not the resolution of the old failure
        send("b2", "backup.completed", clock.instant(), "{\"system\":\"orders-db\"}");
        assertThat(read()).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.PASS);
            assertThat(e.reason()).isNull();
        });
        assertThat(state.get(ordersDb)).isNotNull();
    }

    /** The state keys the deadline index holds. */
    static List<String> indexed(KeyValueStore<String, String> deadlines) {
        try (KeyValueIterator<String, String> index = deadlines.all()) {
            List<String> keys = new java.util.ArrayList<>();
            index.forEachRemaining(entry -> keys.add(entry.value));
            return keys;
        }
    }

    double retired() {
        var counter = registry.find("cw.absence.keys.retired").tag("control", "a-backups").counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aCorrelationIsDecidedWhicheverEventArrivesFirst() {
        // approved merge, then deploy: pass at once
        send("m1", "vcs.pull_request.merged", T0, "{\"commit\":\"abc\",\"approvals\":1}");
        send("d1", "deploy.completed", T0.plusSeconds(60), "{\"commit\":\"abc\"}");
        // deploy first, its merge 30 s later (within the 2 min grace): pass too
        send("d2", "deploy.completed", T0.plusSeconds(120), "{\"commit\":\"def\"}");
        send("m2", "vcs.pull_request.merged", T0.plusSeconds(100), "{\"commit\":\"def\",\"approvals\":2}");
        // a deploy without approved merge: fails once the grace has passed
        send("d3", "deploy.completed", T0.plusSeconds(130), "{\"commit\":\"zzz\"}");
        send("m3", "vcs.pull_request.merged", T0.plusSeconds(135), "{\"commit\":\"zzz\",\"approvals\":0}");
        send("x", "deploy.completed", T0.plusSeconds(400), "{\"commit\":\"later\"}");

        List<ControlExecution> decided = read().stream().filter(e -> e.subject().matches("abc|def|zzz")).toList();
        assertThat(decided).extracting(ControlExecution::subject, ControlExecution::result).containsExactly(
                org.assertj.core.groups.Tuple.tuple("abc", ExecutionResult.PASS),
                org.assertj.core.groups.Tuple.tuple("def", ExecutionResult.PASS),
                org.assertj.core.groups.Tuple.tuple("zzz", ExecutionResult.FAIL));
        assertThat(decided.get(1).evidenceEventIds()).containsExactly("m2", "d2");
    }

    @Test
    void anEventBeyondTheGraceIsRecordedAsLateAndChangesNothing() {
        send("f1", "auth.login", T0.plus(Duration.ofMinutes(30)), "{\"user\":\"dave\",\"outcome\":\"failure\"}");
        read();
        send("f0", "auth.login", T0, "{\"user\":\"dave\",\"outcome\":\"failure\"}");

        assertThat(read()).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.ERROR);
            assertThat(e.late()).isTrue();
            assertThat(e.eventId()).isEqualTo("f0");
        });
    }

    @Test
    void aNewPackVersionTakesEffectWithoutRestartAndNamesItsVersion() {
        send("f1", "auth.login", T0, "{\"user\":\"erin\",\"outcome\":\"failure\"}");
        send("f2", "auth.login", T0.plusSeconds(1), "{\"user\":\"erin\",\"outcome\":\"failure\"}");
        assertThat(read()).isEmpty();

        String stricter = PACK.replace("atLeast: 3", "atLeast: 2");
        pack.activate(ControlPackLoader.parse(stricter, "v2.yaml"));
        send("f3", "auth.login", T0.plusSeconds(2), "{\"user\":\"frank\",\"outcome\":\"failure\"}");
        send("f4", "auth.login", T0.plusSeconds(3), "{\"user\":\"frank\",\"outcome\":\"failure\"}");

        assertThat(read()).singleElement().satisfies(e -> {
            assertThat(e.subject()).isEqualTo("frank");
            assertThat(e.result()).isEqualTo(ExecutionResult.FAIL);
            assertThat(e.packVersion()).isEqualTo(pack.get().pack().version());
            assertThat(e.controlVersion()).isEqualTo(pack.get().pack().control("t-failed-logins").orElseThrow().version());
        });
    }

    @Test
    void aDelayedSourceAndARealTimeSourceOnOnePartitionAreEachJudgedOnTheirOwnClock() {
        // a real-time source keeps sending (backups of many systems): before per-source clocks its events moved the
        // partition's one clock and the poller's burst below was recorded late, not evaluated
        for (int minute = 0; minute <= 8; minute++) {
            Instant t = T0.plus(Duration.ofMinutes(minute));
            send("urn:backup-agent", "b" + minute, "backup.completed", t, "{\"system\":\"db-" + minute + "\"}", t);
        }
        read();
        // an IdP log poller delivers three failed logins of one user 4 minutes after they happened
        Instant delivered = T0.plus(Duration.ofMinutes(8));
        for (int i = 1; i <= 3; i++) {
            send("https://okta-poller.example.com", "p" + i, "auth.login", T0.plus(Duration.ofMinutes(4)).plusSeconds(i * 10L),
                    "{\"user\":\"mallory\",\"outcome\":\"failure\"}", delivered);
        }
        List<ControlExecution> decided = read();
        assertThat(decided).noneMatch(ControlExecution::late);
        assertThat(decided).filteredOn(e -> e.controlId().equals("t-failed-logins")).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.FAIL);
            assertThat(e.subject()).isEqualTo("mallory");
            assertThat(e.evidenceEventIds()).containsExactly("p1", "p2", "p3");
        });
        // the poller's clock, not the backups', closes its window: [10:04, 10:09) closes when the poller's watermark
        // (the wall less its 4-minute delay) passes 10:10, i.e. at 10:14 on the wall clock
        send("https://okta-poller.example.com", "p4", "auth.login", T0.plus(Duration.ofMinutes(5)),
                "{\"user\":\"oscar\",\"outcome\":\"failure\"}", T0.plus(Duration.ofMinutes(9)));
        advance(Duration.ofMinutes(4)); // wall 10:13
        assertThat(read()).filteredOn(e -> "oscar".equals(e.subject())).isEmpty();
        advance(Duration.ofMinutes(2)); // wall 10:15
        assertThat(read()).filteredOn(e -> "oscar".equals(e.subject())).singleElement()
                .satisfies(e -> assertThat(e.result()).isEqualTo(ExecutionResult.PASS));
    }

    @Test
    void anEventFromTheFarFutureIsDeadLetteredAndFiresNoDeadline() {
        TestOutputTopic<String, byte[]> deadLetters = driver.createOutputTopic(Topics.EVENTS_DEAD_LETTER,
                new StringDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer());
        send("b1", "backup.completed", T0, "{\"system\":\"orders-db\"}");
        read();
        send("urn:test", "x1", "backup.completed", Instant.parse("9999-12-31T00:00:00Z"), "{\"system\":\"other-db\"}", T0);

        assertThat(deadLetters.readRecordsToList()).singleElement().satisfies(r -> assertThat(
                new String(r.headers().lastHeader(io.controlwatch.model.DeadLetterHeaders.REASON_CODE).value(),
                        StandardCharsets.UTF_8)).isEqualTo("future-time"));
        // orders-db's backup is due at 12:00 + 5 min: nothing decided early, and the next real event is on time
        send("f1", "auth.login", T0.plusSeconds(60), "{\"user\":\"zoe\",\"outcome\":\"failure\"}");
        assertThat(read()).isEmpty();
    }
}
