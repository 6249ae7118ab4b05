package io.controlwatch.system;

import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.DeadLetterHeaders;
import io.controlwatch.model.ExecutionIds;
import io.controlwatch.model.ExecutionResult;
import io.controlwatch.model.ModelJson;
import io.controlwatch.model.Severity;
import io.controlwatch.model.Topics;
import io.controlwatch.testsupport.TestTokens;
import io.controlwatch.testsupport.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One poison execution must never stop evidence recording. Executions the database cannot store (a NUL in an event
 * id, a year PostgreSQL cannot represent) arrive on the executions topic between good ones, in one batch, as a
 * producer that bypassed ingest would write them: every good one is stored, each poison one is on the dead-letter
 * topic with its reason, and the alerting service stays ready.
 */
class PoisonExecutionIT {

    static ControlWatchStack stack;

    @BeforeAll
    static void start() {
        stack = ControlWatchStack.get();
    }

    static ControlExecution execution(String subject, String eventId, Instant eventTime) {
        String source = "urn:systest:poison";
        String control = "cc6.1-console-login-mfa";
        return new ControlExecution(ExecutionIds.of(control, source, eventId), control, "sha256:poison-test",
                "Console logins require MFA", List.of("CC6.1"), Severity.HIGH, ExecutionResult.FAIL,
                "violated: data.mfa != true", subject, eventId, source, "auth.login", eventTime, Instant.now(),
                Instant.now(), "soc2-core", "sha256:poison-pack", List.of(eventId), false, "test-poison", false, null);
    }

    @Test
    void poisonExecutionsAreDeadLetteredWithTheirReasonAndEveryGoodOneIsStored() throws Exception {
        String subject = "poison-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        List<ControlExecution> good = new ArrayList<>();
        List<ControlExecution> poison = List.of(
                execution(subject, "nul-\u0000-" + UUID.randomUUID(), now),
                execution(subject, "far-future-" + UUID.randomUUID(), Instant.parse("+300000-01-01T00:00:00Z")));
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 50), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 30; i++) {
                ControlExecution e = execution(subject, "good-" + i + "-" + UUID.randomUUID(), now.minusSeconds(i));
                good.add(e);
                producer.send(record(subject, e));
                if (i == 10) {
                    producer.send(record(subject, poison.get(0)));
                } else if (i == 20) {
                    producer.send(record(subject, poison.get(1)));
                }
            }
            producer.flush();
        }

        await("every good execution stored").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(given().auth().oauth2(TestTokens.withRoles("auditor"))
                        .queryParam("subject", subject).queryParam("limit", "100")
                        .get(stack.alerting.url("/api/v1/failures")).then().statusCode(200)
                        .extract().jsonPath().getList("items.eventId", String.class))
                        .containsExactlyInAnyOrderElementsOf(good.stream().map(ControlExecution::eventId).toList()));

        await("each poison execution dead-lettered with its reason").atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> {
                    List<ConsumerRecord<String, String>> dead = TopicReader.readAll(stack.kafka, Topics.EXECUTIONS_DEAD_LETTER)
                            .stream().filter(r -> subject.equals(r.key())).toList();
                    assertThat(dead).hasSize(2);
                    for (ConsumerRecord<String, String> record : dead) {
                        assertThat(header(record, DeadLetterHeaders.REASON_CODE)).startsWith("store-rejected-22");
                        // refused by PostgreSQL, or (a time beyond 64-bit microseconds) by the evidence chain first
                        assertThat(header(record, DeadLetterHeaders.REASON))
                                .containsAnyOf("PostgreSQL refused it", "Refused as evidence before PostgreSQL");
                        assertThat(header(record, DeadLetterHeaders.TOPIC)).isEqualTo(Topics.EXECUTIONS);
                    }
                    assertThat(dead).extracting(r -> ModelJson.mapper().readTree(r.value()).path("eventId").asText())
                            .containsExactlyInAnyOrder(poison.get(0).eventId(), poison.get(1).eventId());
                });

        assertThat(ServiceProcess.status(stack.alerting.url("/q/health/ready"))).isEqualTo(200);
        String metrics = given().get(stack.alerting.url("/q/metrics")).then().statusCode(200).extract().asString();
        assertThat(metrics).contains("cw_executions_dead_lettered_total{reason=\"store-rejected-22");
    }

    private static ProducerRecord<String, String> record(String key, ControlExecution execution) throws Exception {
        ProducerRecord<String, String> record = new ProducerRecord<>(Topics.EXECUTIONS, key,
                ModelJson.mapper().writeValueAsString(execution));
        record.headers().add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
        return record;
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }
}
