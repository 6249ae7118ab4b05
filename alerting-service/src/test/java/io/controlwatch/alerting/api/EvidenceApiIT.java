package io.controlwatch.alerting.api;

import io.controlwatch.model.ControlDefinition;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.DeadLetterHeaders;
import io.controlwatch.model.ExecutionIds;
import io.controlwatch.model.ExecutionResult;
import io.controlwatch.model.ModelJson;
import io.controlwatch.model.Severity;
import io.controlwatch.model.Topics;
import io.controlwatch.testsupport.JwtTestResource;
import io.controlwatch.testsupport.KafkaTestResource;
import io.controlwatch.testsupport.PostgresTestResource;
import io.controlwatch.testsupport.TestKafka;
import io.controlwatch.testsupport.TestPostgres;
import io.controlwatch.testsupport.TestTokens;
import io.controlwatch.testsupport.TopicReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

/** Executions from the real broker into the real PostgreSQL, and the API that shows them. */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = JwtTestResource.class, restrictToAnnotatedClass = true)
class EvidenceApiIT {

    static KafkaProducer<String, String> producer;

    @BeforeAll
    static void connect() {
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer());
    }

    @AfterAll
    static void close() {
        producer.close();
    }

    static ControlExecution execution(String control, String eventId, ExecutionResult result, String subject, Instant eventTime) {
        return new ControlExecution(ExecutionIds.of(control, "https://idp.example.com", eventId), control, "sha256:abc",
                "Title of " + control, List.of("CC6.1", "CC6.2"), Severity.HIGH, result,
                result == ExecutionResult.FAIL ? "violated: mfa" : null, subject, eventId, "https://idp.example.com",
                "auth.login", eventTime, eventTime.plusSeconds(1), eventTime.plusSeconds(2), "soc2-core", "sha256:pack",
                List.of(eventId), false, "test-ingest", false, null);
    }

    static void publish(String topic, String key, Object value) throws Exception {
        String json = value instanceof String s ? s : ModelJson.mapper().writeValueAsString(value);
        producer.send(new ProducerRecord<>(topic, key, json)).get();
    }

    static RequestSpecification as(String role) {
        return given().auth().oauth2(TestTokens.withRoles(role));
    }

    static long rows(String sql, String param) throws Exception {
        TestPostgres.Database db = TestPostgres.database();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, param);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    @Test
    void storesEveryExecutionAndShowsFailuresWithTheirEvidence() throws Exception {
        String control = "cc6.1-it-" + UUID.randomUUID().toString().substring(0, 8);
        Instant t = Instant.parse("2026-11-28T09:00:00Z");
        ControlExecution failed = execution(control, "e1", ExecutionResult.FAIL, "alice@example.com", t);
        publish(Topics.EXECUTIONS, "alice@example.com", failed);
        publish(Topics.EXECUTIONS, "bob@example.com", execution(control, "e2", ExecutionResult.PASS, "bob@example.com", t));
        publish(Topics.EXECUTIONS, "bob@example.com", execution(control, "e3", ExecutionResult.ERROR, "bob@example.com", t));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                as("analyst").queryParam("control", control).get("/api/v1/failures")
                        .then().statusCode(200).body("items", hasSize(1)));

        as("analyst").queryParam("control", control).get("/api/v1/failures").then()
                .body("items[0].executionId", equalTo(failed.executionId()))
                .body("items[0].controlId", equalTo(control))
                .body("items[0].controlTitle", equalTo("Title of " + control))
                .body("items[0].criteria", contains("CC6.1", "CC6.2"))
                .body("items[0].severity", equalTo("high"))
                .body("items[0].subject", equalTo("alice@example.com"))
                .body("items[0].eventId", equalTo("e1"))
                .body("items[0].eventSource", equalTo("https://idp.example.com"))
                .body("items[0].eventTime", equalTo("2026-11-28T09:00:00Z"))
                .body("items[0].detectedAt", equalTo("2026-11-28T09:00:02Z"))
                .body("items[0].status", equalTo("OPEN"))
                .body("items[0].evidenceEventIds", contains("e1"));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(rows("select count(*) from control_execution where control_id = ?", control)).isEqualTo(3));
        as("auditor").get("/api/v1/controls").then().statusCode(200)
                .body("find { it.controlId == '%s' }.executions".formatted(control), equalTo(3))
                .body("find { it.controlId == '%s' }.passes".formatted(control), equalTo(1))
                .body("find { it.controlId == '%s' }.failures".formatted(control), equalTo(1))
                .body("find { it.controlId == '%s' }.errors".formatted(control), equalTo(1))
                .body("find { it.controlId == '%s' }.criteria".formatted(control), contains("CC6.1", "CC6.2"));
    }

    @Test
    void aStrayCloudEventsHeaderDoesNotStopConsumption() throws Exception {
        String control = "cc6.1-header-" + UUID.randomUUID().toString().substring(0, 8);
        ProducerRecord<String, String> record = new ProducerRecord<>(Topics.EXECUTIONS, "frank@example.com",
                ModelJson.mapper().writeValueAsString(execution(control, "h1", ExecutionResult.FAIL, "frank@example.com", Instant.now())));
        record.headers().add("content-type", "application/cloudevents+json".getBytes(StandardCharsets.UTF_8));
        producer.send(record).get();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(rows("select count(*) from control_failure where control_id = ?", control)).isEqualTo(1));
    }

    @Test
    void aRedeliveredExecutionIsStoredAndCountedOnce() throws Exception {
        String control = "cc6.1-redelivery-" + UUID.randomUUID().toString().substring(0, 8);
        ControlExecution failed = execution(control, "dup", ExecutionResult.FAIL, "carol@example.com", Instant.now());
        for (int i = 0; i < 3; i++) {
            publish(Topics.EXECUTIONS, "carol@example.com", failed);
        }
        // a later record on the same partition proves the duplicates before it were consumed
        ControlExecution marker = execution(control, "marker", ExecutionResult.PASS, "carol@example.com", Instant.now());
        publish(Topics.EXECUTIONS, "carol@example.com", marker);
        publish(Topics.EXECUTIONS, "carol@example.com", failed);
        publish(Topics.EXECUTIONS, "carol@example.com", execution(control, "marker2", ExecutionResult.PASS, "carol@example.com", Instant.now()));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(rows("select count(*) from control_execution where control_id = ?", control)).isEqualTo(3));
        assertThat(rows("select count(*) from control_failure where control_id = ?", control)).isEqualTo(1);
        assertThat(rows("select executions from control where control_id = ?", control)).isEqualTo(3);
        assertThat(rows("select failures from control where control_id = ?", control)).isEqualTo(1);
    }

    @Test
    void unreadableRecordsGoToTheDeadLetterTopicAndTheRestIsStored() throws Exception {
        String control = "cc6.1-poison-" + UUID.randomUUID().toString().substring(0, 8);
        String poisonKey = "poison-" + UUID.randomUUID();
        publish(Topics.EXECUTIONS, poisonKey, "{this is not json");
        publish(Topics.EXECUTIONS, poisonKey, "{\"executionId\":\"" + UUID.randomUUID() + "\",\"controlId\":\"" + control + "\"}");
        publish(Topics.EXECUTIONS, poisonKey, execution(control, "good", ExecutionResult.FAIL, poisonKey, Instant.now()));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(rows("select count(*) from control_failure where control_id = ?", control)).isEqualTo(1));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            var dead = TopicReader.readAll(TestKafka.bootstrapServers(), Topics.EXECUTIONS_DEAD_LETTER).stream()
                    .filter(r -> poisonKey.equals(r.key())).toList();
            assertThat(dead).hasSize(2);
            assertThat(new String(dead.get(0).headers().lastHeader(DeadLetterHeaders.REASON_CODE).value(), StandardCharsets.UTF_8))
                    .isEqualTo("invalid-json");
            assertThat(new String(dead.get(1).headers().lastHeader(DeadLetterHeaders.REASON).value(), StandardCharsets.UTF_8))
                    .contains("missing").contains("eventTime");
            assertThat(new String(dead.get(1).headers().lastHeader(DeadLetterHeaders.TOPIC).value(), StandardCharsets.UTF_8))
                    .isEqualTo(Topics.EXECUTIONS);
        });
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void filtersFailuresByControlSubjectAndEventTimeNewestFirst() throws Exception {
        String control = "cc6.1-filter-" + UUID.randomUUID().toString().substring(0, 8);
        Instant base = Instant.parse("2026-06-01T00:00:00Z");
        publish(Topics.EXECUTIONS, "a", execution(control, "f1", ExecutionResult.FAIL, "dave@example.com", base));
        publish(Topics.EXECUTIONS, "a", execution(control, "f2", ExecutionResult.FAIL, "dave@example.com", base.plusSeconds(3600)));
        publish(Topics.EXECUTIONS, "a", execution(control, "f3", ExecutionResult.FAIL, "erin@example.com", base.plusSeconds(7200)));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                as("analyst").queryParam("control", control).get("/api/v1/failures").then().body("items", hasSize(3)));

        as("analyst").queryParam("control", control).get("/api/v1/failures").then()
                .body("items.eventId", contains("f3", "f2", "f1"));
        as("analyst").queryParam("control", control).queryParam("subject", "dave@example.com").get("/api/v1/failures").then()
                .body("items.eventId", contains("f2", "f1"));
        as("analyst").queryParam("control", control).queryParam("from", "2026-06-01T00:30:00Z")
                .queryParam("to", "2026-06-01T02:00:00Z").get("/api/v1/failures").then()
                .body("items.eventId", contains("f2"));
        String next = as("analyst").queryParam("control", control).queryParam("limit", "1").get("/api/v1/failures").then()
                .body("items.eventId", contains("f3")).body("hasMore", equalTo(true)).extract().path("next");
        as("analyst").queryParam("control", control).queryParam("limit", "1").queryParam("cursor", next).get("/api/v1/failures").then()
                .body("items.eventId", contains("f2"));
        as("analyst").queryParam("control", "no-such-control").get("/api/v1/failures").then().statusCode(404)
                .body("type", equalTo("urn:controlwatch:problem:unknown-control"));
        as("analyst").queryParam("cursor", "not-a-cursor").get("/api/v1/failures").then().statusCode(400)
                .body("errors[0].field", equalTo("cursor"));
        as("analyst").queryParam("from", "last tuesday").get("/api/v1/failures").then()
                .statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("urn:controlwatch:problem:invalid-parameter"))
                .body("errors[0].field", equalTo("from"));
        as("analyst").queryParam("limit", "0").get("/api/v1/failures").then().statusCode(400);
    }

    @Test
    void listsCatalogControlsThatNeverRan() throws Exception {
        String control = "cc7.2-catalog-" + UUID.randomUUID().toString().substring(0, 8);
        publish(Topics.CONTROLS, control, new ControlDefinition(control, "sha256:v1", "Audit logging stays on", "desc",
                List.of("CC7.2"), Severity.CRITICAL, "secops", List.of("audit.logging.changed"), "soc2-core", "sha256:p"));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                as("admin").get("/api/v1/controls").then().statusCode(200)
                        .body("find { it.controlId == '%s' }.title".formatted(control), equalTo("Audit logging stays on"))
                        .body("find { it.controlId == '%s' }.severity".formatted(control), equalTo("critical"))
                        .body("find { it.controlId == '%s' }.executions".formatted(control), equalTo(0)));
    }

    @Test
    void onlyAnalystsAuditorsAndAdminsReadEvidence() {
        for (String path : List.of("/api/v1/failures", "/api/v1/controls")) {
            given().get(path).then().statusCode(401).contentType("application/problem+json");
            given().auth().oauth2(TestTokens.expired("analyst")).get(path).then().statusCode(401);
            as("ingest").get(path).then().statusCode(403).contentType("application/problem+json");
            for (String role : List.of("analyst", "auditor", "admin")) {
                as(role).get(path).then().statusCode(200);
            }
        }
        given().get("/q/metrics").then().statusCode(200);
    }
}
