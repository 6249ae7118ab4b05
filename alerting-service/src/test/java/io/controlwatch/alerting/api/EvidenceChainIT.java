package io.controlwatch.alerting.api;

import io.controlwatch.alerting.persistence.JdbcEvidenceSource;
import io.controlwatch.evidence.ChainHead;
import io.controlwatch.evidence.Checkpoint;
import io.controlwatch.evidence.KeyRing;
import io.controlwatch.evidence.SignedCheckpoint;
import io.controlwatch.evidence.VerificationKey;
import io.controlwatch.evidence.verify.StoreVerification;
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
import io.controlwatch.testsupport.TopicReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.nio.file.Files;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
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
 * checkpoints follow and are published to the checkpoint topic, and {@code GET /api/v1/evidence/verify} names a row
 * changed behind the service's back in PostgreSQL, and checkpoints removed from it with the rows they covered.
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

    /**
     * The attack the checkpoint topic is there for: with write access to PostgreSQL alone, remove the latest
     * checkpoints, the rows they covered and their chain heads. What is left is a consistent chain under a valid
     * signature, so the database alone verifies; the published checkpoints show what was removed.
     */
    @Test
    void removingTheLatestCheckpointsWithTheirRowsIsSeenThroughTheCheckpointTopic() throws Exception {
        String control = "cc6.1-truncate-" + UUID.randomUUID().toString().substring(0, 8);
        Instant t = Instant.parse("2026-03-01T18:00:00Z");
        sendPasses(control, "kept-", 9, t);
        long kept = awaitCheckpointedAndPublished(control, 9);
        sendPasses(control, "removed-", 9, t.plusSeconds(600));
        long latest = awaitCheckpointedAndPublished(control, 18);
        assertThat(latest).isGreaterThan(kept);

        // the topic holds every stored checkpoint, keyed by its sequence, exactly as signed
        Map<Long, SignedCheckpoint> published = new HashMap<>();
        for (ConsumerRecord<String, String> r : TopicReader.readAll(TestKafka.bootstrapServers(),
                Topics.EVIDENCE_CHECKPOINTS)) {
            SignedCheckpoint c = SignedCheckpoint.parse(r.value());
            assertThat(r.key()).isEqualTo(Long.toString(c.checkpoint().sequence()));
            published.put(c.checkpoint().sequence(), c);
        }
        Map<Long, SignedCheckpoint> stored = storedCheckpoints();
        assertThat(published).isEqualTo(stored);
        assertThat(count("select count(*) from evidence_checkpoint where published_at is null")).isZero();

        Checkpoint keptCheckpoint = stored.get(kept).checkpoint();
        List<Integer> keptPartitions = keptCheckpoint.partitions().stream().map(ChainHead::partition).toList();
        StringBuilder after = new StringBuilder("chain_partition is not null and (chain_partition <> all(?)");
        for (ChainHead h : keptCheckpoint.partitions()) {
            after.append(" or (chain_partition = ").append(h.partition()).append(" and chain_offset > ")
                    .append(h.offset()).append(")");
        }
        String removedRows = "select * from control_execution where " + after + ")";
        try (Connection c = db()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("create table tamper_saved_heads as select * from evidence_chain_head");
                s.execute("create table tamper_saved_checkpoints as select * from evidence_checkpoint "
                        + "where sequence > " + kept);
            }
            try (PreparedStatement s = c.prepareStatement("create table tamper_saved_rows as " + removedRows)) {
                s.setArray(1, c.createArrayOf("integer", keptPartitions.toArray()));
                s.execute();
            }
            // exactly the second batch lies after the kept checkpoint
            try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(
                    "select count(*), count(*) filter (where event_id like 'removed-%') from tamper_saved_rows")) {
                r.next();
                assertThat(r.getLong(1)).isEqualTo(9);
                assertThat(r.getLong(2)).isEqualTo(9);
            }
            // the attack: rows, checkpoints and heads back to what the kept checkpoint signed
            try (Statement s = c.createStatement()) {
                s.execute("delete from control_execution where execution_id in "
                        + "(select execution_id from tamper_saved_rows)");
                s.execute("delete from evidence_checkpoint where sequence > " + kept);
                s.execute("delete from evidence_chain_head");
            }
            for (ChainHead h : keptCheckpoint.partitions()) {
                try (PreparedStatement s = c.prepareStatement("insert into evidence_chain_head (chain_partition, "
                        + "chain_offset, row_count, head, max_event_time) values (?, ?, ?, decode(?, 'hex'), ?)")) {
                    s.setInt(1, h.partition());
                    s.setLong(2, h.offset());
                    s.setLong(3, h.count());
                    s.setString(4, h.head().hex());
                    s.setObject(5, h.maxEventTime().atOffset(ZoneOffset.UTC));
                    s.executeUpdate();
                }
            }
            c.commit();
        }
        try {
            // PostgreSQL alone is consistent: its chain verifies against its checkpoints, nothing pending
            PGSimpleDataSource dataSource = new PGSimpleDataSource();
            TestPostgres.Database db = TestPostgres.database();
            dataSource.setUrl(db.jdbcUrl());
            dataSource.setUser(db.user());
            dataSource.setPassword(db.password());
            KeyRing trusted = KeyRing.trusting(VerificationKey.allFromPem(
                    Files.readString(TestEvidenceKeys.publicKeyFile())));
            try (JdbcEvidenceSource alone = new JdbcEvidenceSource(dataSource, 100)) {
                StoreVerification.Result r = StoreVerification.verify(alone, trusted, 0, kept);
                assertThat(r.verified()).as("%s", r.discrepancies()).isTrue();
                assertThat(r.rowsPending()).isZero();
            }
            // ... and no new checkpoint is signed over it: the heads are the signed ones
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() ->
                    count("select coalesce(max(sequence), 0) from evidence_checkpoint") == kept);
            // evidence flows on: it is chained, but nothing is signed over what is left (that would put a second
            // checkpoint under a published sequence), and no bundle is written of it
            sendPasses(control, "after-attack-", 1, t.plusSeconds(1200));
            await().atMost(Duration.ofSeconds(60)).until(() -> count("select count(*) from control_execution "
                    + "where control_id = ? and event_id = 'after-attack-0' and chain_partition is not null", control) == 1);
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() ->
                    count("select coalesce(max(sequence), 0) from evidence_checkpoint") == kept);
            as("auditor").contentType("application/json").body("{\"from\":\"" + FROM + "\",\"to\":\"" + TO + "\"}")
                    .post("/api/v1/exports").then().statusCode(409)
                    .body("type", org.hamcrest.Matchers.containsString("evidence-behind-checkpoint-topic"))
                    .body("detail", org.hamcrest.Matchers.containsString("#" + latest));

            // the topic says what is gone: every removed checkpoint, and the rows they covered
            JsonPath v = verify();
            assertThat(v.getString("result")).as(v.prettify()).isEqualTo("broken");
            assertThat(v.getString("checkpointTopic.state")).isEqualTo("compared");
            assertThat(v.getLong("checkpointTopic.missing")).isEqualTo(latest - kept);
            assertThat(v.getLong("checkpointTopic.latestPublished")).isEqualTo(latest);
            assertThat(v.getLong("lastCheckpoint")).isEqualTo(latest);
            assertThat(v.getString("firstBroken.code")).isEqualTo("checkpoint-missing");
            assertThat(v.getString("firstBroken.message")).contains("#" + (kept + 1), Topics.EVIDENCE_CHECKPOINTS);
            assertThat(v.getList("discrepancies.code", String.class)).containsAnyOf("row-deleted", "chain-mismatch");
        } finally {
            try (Connection c = db(); Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                s.execute("delete from control_execution where event_id = 'after-attack-0' and control_id = '"
                        + control + "'");
                s.execute("insert into control_execution select * from tamper_saved_rows");
                s.execute("insert into evidence_checkpoint select * from tamper_saved_checkpoints");
                s.execute("delete from evidence_chain_head");
                s.execute("insert into evidence_chain_head select * from tamper_saved_heads");
                s.execute("drop table tamper_saved_rows, tamper_saved_checkpoints, tamper_saved_heads");
                c.commit();
            }
        }
        JsonPath restored = verify();
        assertThat(restored.getString("result")).as(restored.prettify()).isEqualTo("ok");
        assertThat(restored.getLong("checkpointTopic.missing")).isZero();
    }

    static void sendPasses(String control, String prefix, int n, Instant t) throws Exception {
        for (int i = 0; i < n; i++) {
            ControlExecution e = execution(control, prefix + i, ExecutionResult.PASS, "user" + i + "@example.com",
                    t.plusSeconds(i));
            producer.send(new ProducerRecord<>(Topics.EXECUTIONS, e.subject(),
                    ModelJson.mapper().writeValueAsString(e))).get();
        }
    }

    /** Waits until the control's rows are chained, covered by a checkpoint and every checkpoint is published. */
    static long awaitCheckpointedAndPublished(String control, int rows) throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> count("select count(*) from control_execution "
                + "where control_id = ? and chain_partition is not null", control) == rows);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonPath v = verify();
            assertThat(v.getString("result")).as(v.prettify()).isEqualTo("ok");
            assertThat(v.getLong("rowsPending")).isZero();
            assertThat(v.getString("checkpointTopic.state")).isEqualTo("compared");
            assertThat(v.getLong("checkpointTopic.unpublished")).isZero();
        });
        return count("select max(sequence) from evidence_checkpoint");
    }

    static Map<Long, SignedCheckpoint> storedCheckpoints() throws Exception {
        Map<Long, SignedCheckpoint> stored = new HashMap<>();
        try (Connection c = db(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("select sequence, cast(body as text) from evidence_checkpoint")) {
            while (r.next()) {
                stored.put(r.getLong(1), SignedCheckpoint.parse(r.getString(2)));
            }
        }
        return stored;
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
