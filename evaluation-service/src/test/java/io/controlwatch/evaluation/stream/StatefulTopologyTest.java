package io.controlwatch.evaluation.stream;

import io.controlwatch.engine.ControlPackLoader;
import io.controlwatch.evaluation.service.ActivePack;
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
                absence: {expect: [backup.completed], key: data.system, within: 2h, grace: 5m, keys: [declared-db]}
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

    @BeforeEach
    void start() {
        pack = new ActivePack(ControlPackLoader.parse(PACK, "topology-test.yaml"));
        driver = new TopologyTestDriver(EvaluationTopology.build(pack, Clock.fixed(T0, ZoneOffset.UTC), new SimpleMeterRegistry(),
                // TopologyTestDriver runs every topic with one partition, so one partition of rule state
                new EvaluationTopology.Settings(1, Duration.ofSeconds(10))), EvaluationTopologyTest.props(), T0);
        events = driver.createInputTopic(Topics.EVENTS, new StringSerializer(), new ByteArraySerializer());
        executions = driver.createOutputTopic(Topics.EXECUTIONS, new StringDeserializer(), new StringDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    void send(String id, String type, Instant time, String data) {
        String json = """
                {"specversion":"1.0","id":"%s","source":"urn:test","type":"%s","time":"%s","data":%s}"""
                .formatted(id, type, time, data);
        events.pipeInput(new TestRecord<>("k", json.getBytes(StandardCharsets.UTF_8), time));
    }

    List<ControlExecution> read() {
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
        driver.advanceWallClockTime(Duration.ofMinutes(90));
        assertThat(read()).isEmpty();

        // deadline 12:00 + 5 min grace passed on the wall clock, and no event came: both keys fail, once
        driver.advanceWallClockTime(Duration.ofMinutes(40));
        driver.advanceWallClockTime(Duration.ofMinutes(40));
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
}
