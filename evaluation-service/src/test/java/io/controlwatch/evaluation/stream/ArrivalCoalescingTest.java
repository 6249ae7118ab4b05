package io.controlwatch.evaluation.stream;

import io.controlwatch.engine.ControlPackLoader;
import io.controlwatch.evaluation.service.ActivePack;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ExecutionResult;
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
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A liveness control's arrivals through the real topology with coalescing on and off: held back, yet the newest
 * arrival sets the deadline exactly as when every arrival is routed.
 */
class ArrivalCoalescingTest {

    static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");
    static final Duration WITHIN = Duration.ofMinutes(30);
    static final Duration GRACE = Duration.ofMinutes(2);

    static final String PACK = """
            pack: coalescing-test
            formatVersion: 1
            controls:
              - id: l-source-silent
                title: Sources do not go silent
                criteria: [CC2.1]
                severity: high
                absence: {expect: ["*"], key: event.source, within: 30m, grace: 2m, passOnArrival: false}
              - id: b-backups
                title: Each backup is evidence
                criteria: [A1.2]
                severity: high
                absence: {expect: [backup.completed], key: event.source, within: 30m, grace: 2m}
            """;

    TopologyTestDriver driver;
    TestInputTopic<String, byte[]> events;
    TestOutputTopic<String, String> executions;
    ManualClock clock;
    SimpleMeterRegistry registry;

    void start(Duration coalescing) {
        ActivePack pack = new ActivePack(ControlPackLoader.parse(PACK, "coalescing-test.yaml"));
        clock = new ManualClock(T0);
        registry = new SimpleMeterRegistry();
        driver = new TopologyTestDriver(EvaluationTopology.build(pack, clock, registry,
                new EvaluationTopology.Settings(1, Duration.ofMinutes(5), coalescing)), EvaluationTopologyTest.props(), T0);
        events = driver.createInputTopic(Topics.EVENTS, new StringSerializer(), new ByteArraySerializer());
        executions = driver.createOutputTopic(Topics.EXECUTIONS, new StringDeserializer(), new StringDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    /** An event arriving as it happens: the service's clock and the punctuations' wall clock move to its time. */
    void send(String source, String id, String type, Instant time) {
        advance(Duration.between(clock.instant(), time));
        String json = """
                {"specversion":"1.0","id":"%s","source":"%s","type":"%s","time":"%s","data":{}}"""
                .formatted(id, source, type, time);
        events.pipeInput(new TestRecord<>("k", json.getBytes(StandardCharsets.UTF_8), time));
    }

    void advance(Duration by) {
        clock.advance(by);
        driver.advanceWallClockTime(by);
    }

    List<ControlExecution> read(String controlId) {
        return StatefulTopologyTest.read(executions).stream().filter(e -> e.controlId().equals(controlId)).toList();
    }

    double held() {
        return registry.find("cw.arrivals.held").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    /** 50 events 100 ms apart, then silence: the silence is measured from the 50th, however many were held. */
    List<ControlExecution> burstThenSilence(Duration coalescing) {
        start(coalescing);
        Instant last = T0;
        for (int i = 0; i < 50; i++) {
            last = T0.plusMillis(100L * i);
            send("urn:test:a", "e" + i, "app.ping", last);
        }
        advance(Duration.ofSeconds(2)); // the window's punctuation sends the newest held arrival on
        advance(WITHIN.plus(GRACE).minusSeconds(12));
        assertThat(read("l-source-silent")).as("not due before the newest arrival's deadline").isEmpty();
        advance(Duration.ofSeconds(20));
        return read("l-source-silent");
    }

    @Test
    void heldArrivalsStillSetTheDeadlineFromTheNewestOne() {
        List<ControlExecution> coalesced = burstThenSilence(Duration.ofSeconds(1));
        assertThat(held()).as("most arrivals were held back").isGreaterThanOrEqualTo(40);
        assertThat(coalesced).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.FAIL);
            assertThat(e.eventTime()).isEqualTo(T0.plusMillis(4_900).plus(WITHIN));
            assertThat(e.evidenceEventIds()).containsExactly("e49");
        });
        stop();

        List<ControlExecution> exact = burstThenSilence(Duration.ZERO);
        assertThat(held()).isZero();
        assertThat(exact).singleElement().satisfies(e -> {
            assertThat(e.executionId()).as("the same execution as when every arrival is routed")
                    .isEqualTo(coalesced.get(0).executionId());
            assertThat(e.reason()).isEqualTo(coalesced.get(0).reason());
        });
    }

    @Test
    void anArrivalAfterASilenceResolvesItAtOnceAndControlsThatRecordArrivalsAreNotHeld() {
        start(Duration.ofSeconds(1));
        send("urn:test:b", "b1", "backup.completed", T0);
        send("urn:test:b", "b2", "backup.completed", T0.plusMillis(200));
        advance(Duration.ofSeconds(2)); // the window's punctuation sends the held arrival on
        assertThat(read("b-backups")).as("every backup is evidence: none held")
                .extracting(ControlExecution::result).containsExactly(ExecutionResult.PASS, ExecutionResult.PASS);
        advance(WITHIN.plus(GRACE).plusSeconds(5));
        assertThat(read("l-source-silent")).extracting(ControlExecution::result).containsExactly(ExecutionResult.FAIL);

        Instant back = clock.instant();
        send("urn:test:b", "p1", "app.ping", back);
        assertThat(read("l-source-silent")).as("the first arrival after the silence is routed at once")
                .singleElement().satisfies(e -> {
                    assertThat(e.result()).isEqualTo(ExecutionResult.PASS);
                    assertThat(e.evidenceEventIds()).containsExactly("p1");
                });
    }
}
