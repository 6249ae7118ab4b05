package io.controlwatch.alerting.api;

import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ExecutionResult;
import io.controlwatch.model.ModelJson;
import io.controlwatch.model.Topics;
import io.controlwatch.testsupport.EvidenceKeyTestResource;
import io.controlwatch.testsupport.JwtTestResource;
import io.controlwatch.testsupport.KafkaTestResource;
import io.controlwatch.testsupport.PostgresTestResource;
import io.controlwatch.testsupport.TestEvidenceKeys;
import io.controlwatch.testsupport.TestKafka;
import io.controlwatch.testsupport.TestPostgres;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import static io.controlwatch.alerting.api.EvidenceApiIT.as;
import static io.controlwatch.alerting.api.EvidenceApiIT.execution;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/**
 * Executions from the real broker are chained as they are stored (once, however often they are delivered), signed
 * checkpoints follow, and {@code GET /api/v1/evidence/verify} names a row changed behind the service's back in
 * PostgreSQL.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = JwtTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = EvidenceKeyTestResource.class, restrictToAnnotatedClass = true)
class EvidenceChainIT {

    static final String FROM = "2026-03-01T00:00:00Z";
    static final String TO = "2026-03-02T00:00:00Z";

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

    static Connection db() throws Exception {
        TestPostgres.Database db = TestPostgres.database();
        return DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
    }

    static long count(String sql, Object... params) throws Exception {
        try (Connection c = db(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    static int update(String sql, Object... params) throws Exception {
        try (Connection c = db(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            return s.executeUpdate();
        }
    }

    static JsonPath verify() {
        return as("auditor").queryParam("from", FROM).queryParam("to", TO).get("/api/v1/evidence/verify")
                .then().statusCode(200).extract().jsonPath();
    }

    @Test
    void storedExecutionsAreChainedOnceCheckpointedAndATamperedRowIsNamed() throws Exception {
        String control = "cc6.1-chain-" + UUID.randomUUID().toString().substring(0, 8);
        Instant t = Instant.parse("2026-03-01T10:00:00.123456789Z"); // nanoseconds: the chain keeps microseconds
        List<ControlExecution> sent = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            ControlExecution e = execution(control, "chain-" + i, i % 5 == 0 ? ExecutionResult.FAIL
                    : ExecutionResult.PASS, "user" + (i % 7) + "@example.com", t.plusSeconds(i));
            sent.add(e);
            producer.send(new ProducerRecord<>(Topics.EXECUTIONS, e.subject(),
                    ModelJson.mapper().writeValueAsString(e))).get();
        }
        // redelivered: the same executions again, later on the topic
        for (ControlExecution e : sent.subList(0, 10)) {
            producer.send(new ProducerRecord<>(Topics.EXECUTIONS, e.subject(),
                    ModelJson.mapper().writeValueAsString(e))).get();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> count(
                "select count(*) from control_execution where control_id = ? and chain_partition is not null",
                control) == 40);
        // a redelivered execution took no second link: every chained row is counted once by its partition's head
        await().atMost(Duration.ofSeconds(30)).until(() -> count("select count(*) from control_execution "
                + "where chain_partition is not null") == count("select coalesce(sum(row_count), 0) "
                + "from evidence_chain_head"));
        assertThat(count("select count(*) from control_execution where control_id = ? and (row_digest is null "
                + "or chain_head is null or severity is null)", control)).isZero();

        // a checkpoint signed with the configured key covers them, and the period verifies
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonPath v = verify();
            assertThat(v.getString("result")).as(v.prettify()).isEqualTo("ok");
            assertThat(v.getLong("rowsPending")).isZero();
            assertThat(v.getLong("rowsVerified")).isGreaterThanOrEqualTo(40);
        });
        assertThat(count("select count(*) from evidence_checkpoint where key_id = ?", TestEvidenceKeys.keyId()))
                .isPositive();

        // someone with database access turns a failure into a pass
        String tampered = sent.get(5).executionId();
        assertThat(update("update control_execution set result = 'PASS' where execution_id = cast(? as uuid)",
                tampered)).isEqualTo(1);
        try {
            JsonPath v = verify();
            assertThat(v.getString("result")).isEqualTo("broken");
            assertThat(v.getBoolean("verified")).isFalse();
            assertThat(v.getString("firstBroken.code")).as(v.prettify()).isEqualTo("row-changed");
            assertThat(v.getString("firstBroken.executionId")).isEqualTo(tampered);
            assertThat(v.getString("firstBroken.message")).contains(tampered);
        } finally {
            update("update control_execution set result = 'FAIL' where execution_id = cast(? as uuid)", tampered);
        }
        assertThat(verify().getString("result")).isEqualTo("ok");
    }

    @Test
    void hostileEditsThatLeaveARowUnreadableAreReportedAsChangedRowsNeverAsErrors() throws Exception {
        String control = "cc6.1-hostile-" + UUID.randomUUID().toString().substring(0, 8);
        Instant t = Instant.parse("2026-03-01T14:00:00Z");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ControlExecution e = execution(control, "hostile-" + i, ExecutionResult.PASS, "user@example.com",
                    t.plusSeconds(i));
            ids.add(e.executionId());
            producer.send(new ProducerRecord<>(Topics.EXECUTIONS, e.subject(),
                    ModelJson.mapper().writeValueAsString(e))).get();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> count("select count(*) from control_execution "
                + "where control_id = ? and chain_partition is not null", control) == 5);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonPath v = verify();
            assertThat(v.getString("result")).as(v.prettify()).isEqualTo("ok");
            assertThat(v.getLong("rowsPending")).isZero();
        });

        // result is NOT NULL (and checked): that edit is refused by PostgreSQL itself
        assertThatThrownBy(() -> update("update control_execution set result = null where execution_id = cast(? as uuid)",
                ids.get(0))).hasMessageContaining("null value");

        // each edit below makes a row that the service could never have stored; each is named as a changed row
        Map<String, String> edits = new LinkedHashMap<>();
        edits.put("update control_execution set severity = null where execution_id = cast(? as uuid)",
                "update control_execution set severity = 'high' where execution_id = cast(? as uuid)");
        edits.put("update control_execution set criteria = array[null]::text[] where execution_id = cast(? as uuid)",
                "update control_execution set criteria = array['CC6.1', 'CC6.2'] where execution_id = cast(? as uuid)");
        edits.put("update control_execution set evidence_event_ids = 'null' where execution_id = cast(? as uuid)",
                "update control_execution set evidence_event_ids = '[\"hostile-2\"]' where execution_id = cast(? as uuid)");
        edits.put("update control_execution set evidence_event_ids = '{\"not\": \"an array\"}' "
                        + "where execution_id = cast(? as uuid)",
                "update control_execution set evidence_event_ids = '[\"hostile-3\"]' where execution_id = cast(? as uuid)");
        edits.put("update control_execution set evidence_event_ids = '[null]' where execution_id = cast(? as uuid)",
                "update control_execution set evidence_event_ids = '[\"hostile-4\"]' where execution_id = cast(? as uuid)");
        int row = 0;
        for (Map.Entry<String, String> edit : edits.entrySet()) {
            String tampered = ids.get(row++);
            assertThat(update(edit.getKey(), tampered)).isEqualTo(1);
            try {
                JsonPath v = verify(); // 200, never a 500
                assertThat(v.getString("result")).as(edit.getKey() + "\n" + v.prettify()).isEqualTo("broken");
                assertThat(v.getList("discrepancies.findAll { it.code == 'row-changed' }.executionId"))
                        .as(edit.getKey()).contains(tampered);
            } finally {
                update(edit.getValue(), tampered);
            }
            assertThat(verify().getString("result")).as("restored after " + edit.getKey()).isEqualTo("ok");
        }

        // the digest recorded for a row overwritten with something that is no SHA-256: the content still matches
        // the signed chain, so the evidence is intact; what matters is an answer, not a 500
        String recorded;
        try (Connection c = db(); PreparedStatement s = c.prepareStatement("select encode(row_digest, 'hex') from "
                + "control_execution where execution_id = cast(? as uuid)")) {
            s.setString(1, ids.get(0));
            try (ResultSet r = s.executeQuery()) {
                r.next();
                recorded = r.getString(1);
            }
        }
        assertThat(update("update control_execution set row_digest = '\\x00'::bytea where execution_id = cast(? as uuid)",
                ids.get(0))).isEqualTo(1);
        try {
            assertThat(verify().getString("result")).isIn("ok", "broken");
        } finally {
            update("update control_execution set row_digest = decode(?, 'hex') where execution_id = cast(? as uuid)",
                    recorded, ids.get(0));
        }
        assertThat(verify().getString("result")).isEqualTo("ok");
    }

    @Test
    void thePublicKeyIsServedWithItsFingerprintToEveryRole() {
        for (String role : List.of("ingest", "analyst", "oncall", "auditor", "admin")) {
            as(role).get("/api/v1/evidence/public-key").then().statusCode(200)
                    .body("current", equalTo(TestEvidenceKeys.keyId()))
                    .body("keys[0].keyId", equalTo(TestEvidenceKeys.keyId()))
                    .body("keys[0].status", equalTo("current"))
                    .body("keys[0].jwk.kty", equalTo("OKP"))
                    .body("keys[0].jwk.crv", equalTo("Ed25519"));
        }
        given().get("/api/v1/evidence/public-key").then().statusCode(401);
    }

    @Test
    void verifyIsForAuditorsAndAdminsAndRefusesBadPeriods() {
        as("analyst").queryParam("from", FROM).queryParam("to", TO).get("/api/v1/evidence/verify")
                .then().statusCode(403);
        as("admin").queryParam("from", FROM).queryParam("to", TO).get("/api/v1/evidence/verify")
                .then().statusCode(200);
        as("auditor").queryParam("from", TO).queryParam("to", FROM).get("/api/v1/evidence/verify")
                .then().statusCode(400).contentType("application/problem+json");
        as("auditor").queryParam("from", "2020-01-01T00:00:00Z").queryParam("to", TO).get("/api/v1/evidence/verify")
                .then().statusCode(400).contentType("application/problem+json");
        as("auditor").queryParam("to", TO).get("/api/v1/evidence/verify")
                .then().statusCode(400).contentType("application/problem+json");
    }
}
