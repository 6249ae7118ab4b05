package io.controlwatch.evaluation.stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.controlwatch.evaluation.service.ActivePack;
import io.controlwatch.engine.ControlPackLoader;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.DeadLetterHeaders;
import io.controlwatch.model.ExecutionIds;
import io.controlwatch.model.ExecutionResult;
import io.controlwatch.model.ModelJson;
import io.controlwatch.model.Severity;
import io.controlwatch.model.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The evaluation topology on simulated time, with the shipped SOC 2 pack. */
class EvaluationTopologyTest {

    static final Instant NOW = Instant.parse("2026-11-28T09:00:10Z");
    static final Instant INGESTED = Instant.parse("2026-11-28T09:00:05Z");

    TopologyTestDriver driver;
    TestInputTopic<String, byte[]> events;
    TestOutputTopic<String, String> executions;
    TestOutputTopic<String, byte[]> deadLetters;
    SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeEach
    void start() {
        ActivePack pack = new ActivePack(ControlPackLoader.load(Path.of("../control-packs/soc2/controls.yaml")));
        driver = new TopologyTestDriver(EvaluationTopology.build(pack, Clock.fixed(NOW, ZoneOffset.UTC), registry,
                new EvaluationTopology.Settings(1, java.time.Duration.ofMinutes(5))), props());
        events = driver.createInputTopic(Topics.EVENTS, new StringSerializer(), new ByteArraySerializer());
        executions = driver.createOutputTopic(Topics.EXECUTIONS, new StringDeserializer(), new StringDeserializer());
        deadLetters = driver.createOutputTopic(Topics.EVENTS_DEAD_LETTER, new StringDeserializer(), new ByteArrayDeserializer());
    }

    static java.util.Properties props() {
        java.util.Properties props = new java.util.Properties();
        props.put(org.apache.kafka.streams.StreamsConfig.APPLICATION_ID_CONFIG, "evaluation-test");
        props.put(org.apache.kafka.streams.StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        try {
            props.put(org.apache.kafka.streams.StreamsConfig.STATE_DIR_CONFIG,
                    java.nio.file.Files.createTempDirectory("evaluation-test").toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return props;
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    void send(String key, String json) {
        // as ingest writes them: CloudEvents structured mode header
        var headers = new org.apache.kafka.common.header.internals.RecordHeaders();
        headers.add("content-type", "application/cloudevents+json".getBytes(StandardCharsets.UTF_8));
        events.pipeInput(new TestRecord<>(key, json.getBytes(StandardCharsets.UTF_8), headers, INGESTED));
    }

    static String login(String id, String user, boolean mfa, String time) {
        String timeAttribute = time == null ? "" : ",\"time\":\"" + time + "\"";
        return """
                {"specversion":"1.0","id":"%s","source":"https://idp.example.com","type":"auth.login","subject":"%s"%s,
                 "data":{"user":"%s","mfa":%s,"outcome":"success"}}""".formatted(id, user, timeAttribute, user, mfa);
    }

    static ControlExecution read(String json) throws Exception {
        return ModelJson.mapper().readValue(json, ControlExecution.class);
    }

    @Test
    void aLoginWithoutMfaYieldsAFailedExecutionWithItsEvidence() throws Exception {
        send("alice@example.com", login("evt-1", "alice@example.com", false, "2026-11-28T09:00:00Z"));

        TestRecord<String, String> record = executions.readRecord();
        ControlExecution execution = read(record.value());
        assertThat(record.key()).isEqualTo("alice@example.com");
        // the event's CloudEvents content-type must not label the execution
        assertThat(new String(record.headers().lastHeader("content-type").value(), StandardCharsets.UTF_8)).isEqualTo("application/json");
        assertThat(record.headers().toArray()).hasSize(1);
        assertThat(execution.result()).isEqualTo(ExecutionResult.FAIL);
        assertThat(execution.executionId()).isEqualTo(ExecutionIds.of("cc6.1-console-login-mfa", "https://idp.example.com", "evt-1"));
        assertThat(execution.controlId()).isEqualTo("cc6.1-console-login-mfa");
        assertThat(execution.controlTitle()).isEqualTo("Console logins require MFA");
        assertThat(execution.controlVersion()).startsWith("sha256:");
        assertThat(execution.criteria()).containsExactly("CC6.1");
        assertThat(execution.severity()).isEqualTo(Severity.HIGH);
        assertThat(execution.subject()).isEqualTo("alice@example.com");
        assertThat(execution.eventId()).isEqualTo("evt-1");
        assertThat(execution.eventSource()).isEqualTo("https://idp.example.com");
        assertThat(execution.eventTime()).isEqualTo(Instant.parse("2026-11-28T09:00:00Z"));
        assertThat(execution.ingestTime()).isEqualTo(INGESTED);
        assertThat(execution.evaluatedAt()).isEqualTo(NOW);
        assertThat(execution.pack()).isEqualTo("soc2-core");
        assertThat(execution.reason()).contains("mfa");
        // the bundled pack's message, rendered by the engine, reaches the executions topic for people to read
        assertThat(execution.message()).isEqualTo("alice@example.com logged in without MFA");
        assertThat(executions.isEmpty()).isTrue();
        assertThat(registry.counter("cw.executions", "control", "cc6.1-console-login-mfa", "result", "fail").count()).isEqualTo(1);
    }

    @Test
    void aLoginWithMfaPassesAndAnEventWithoutTimeUsesIngestTime() throws Exception {
        send("bob@example.com", login("evt-2", "bob@example.com", true, null));

        ControlExecution execution = read(executions.readValue());
        assertThat(execution.result()).isEqualTo(ExecutionResult.PASS);
        assertThat(execution.reason()).isNull();
        assertThat(execution.message()).isNull();
        assertThat(execution.eventTime()).isEqualTo(INGESTED);
    }

    @Test
    void eventsNoControlAppliesToYieldNoExecution() {
        send("orders-db", """
                {"specversion":"1.0","id":"x-1","source":"urn:demo","type":"demo.not.in.any.pack","data":{"status":"success"}}""");

        assertThat(executions.isEmpty()).isTrue();
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void theSameEventTwiceYieldsTheSameExecutionId() throws Exception {
        String event = login("evt-3", "carol@example.com", false, "2026-11-28T09:00:00Z");
        send("carol@example.com", event);
        send("carol@example.com", event);

        List<String> values = executions.readValuesToList();
        assertThat(values).hasSize(2);
        assertThat(read(values.get(0)).executionId()).isEqualTo(read(values.get(1)).executionId());
    }

    @Test
    void unparseableRecordsGoToTheDeadLetterTopicWithTheirReasonAndTheStreamGoesOn() throws Exception {
        send("k1", "{not json");
        send("k2", "{\"specversion\":\"1.0\",\"type\":\"auth.login\"}");
        send("dan@example.com", login("evt-4", "dan@example.com", false, null));

        List<TestRecord<String, byte[]>> dead = deadLetters.readRecordsToList();
        assertThat(dead).hasSize(2);
        assertThat(new String(dead.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("{not json");
        assertThat(header(dead.get(0), DeadLetterHeaders.REASON_CODE)).isEqualTo("invalid-json");
        assertThat(header(dead.get(1), DeadLetterHeaders.REASON_CODE)).isEqualTo("invalid-event");
        assertThat(header(dead.get(1), DeadLetterHeaders.REASON)).contains("id is required").contains("source is required");
        assertThat(header(dead.get(1), DeadLetterHeaders.TOPIC)).isEqualTo(Topics.EVENTS);

        JsonNode execution = ModelJson.mapper().readTree(executions.readValue());
        assertThat(execution.get("eventId").asText()).isEqualTo("evt-4");
    }

    static String header(TestRecord<String, byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
