package io.controlwatch.alerting.api;

import io.controlwatch.alerting.TestClock;
import io.controlwatch.evidence.bundle.BundleReport;
import io.controlwatch.evidence.bundle.BundleVerifier;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ExecutionResult;
import io.controlwatch.model.ModelJson;
import io.controlwatch.model.Topics;
import io.controlwatch.testsupport.EvidenceKeyTestResource;
import io.controlwatch.testsupport.JwtTestResource;
import io.controlwatch.testsupport.KafkaTestResource;
import io.controlwatch.testsupport.PostgresTestResource;
import io.controlwatch.testsupport.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.controlwatch.alerting.api.EvidenceApiIT.as;
import static io.controlwatch.alerting.api.EvidenceApiIT.execution;
import static io.controlwatch.alerting.api.EvidenceChainIT.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/**
 * The access log: every read of the evidence is recorded with who, what, the period and the rows answered, only
 * auditors and admins read it, reading it is recorded too, and a bundle of the period carries it.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = JwtTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = EvidenceKeyTestResource.class, restrictToAnnotatedClass = true)
class AccessLogIT {

    static KafkaProducer<String, String> producer;

    @TempDir
    Path dir;

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

    static void publish(ControlExecution e) throws Exception {
        producer.send(new ProducerRecord<>(Topics.EXECUTIONS, e.subject(), ModelJson.mapper().writeValueAsString(e)))
                .get();
    }

    /** A control of its own, with 6 executions (2 failures) stored around now, and the period around them. */
    record Fixture(String control, Instant from, Instant to) {
        String query() {
            return "control=" + control + "&from=" + from + "&to=" + to;
        }
    }

    static Fixture stored() throws Exception {
        String control = "cc6.1-access-" + UUID.randomUUID().toString().substring(0, 8);
        Instant t = TestClock.now().truncatedTo(ChronoUnit.SECONDS);
        for (int i = 0; i < 6; i++) {
            publish(execution(control, "a-" + i, i < 2 ? ExecutionResult.FAIL : ExecutionResult.PASS,
                    "user" + i + "@example.com", t.minusSeconds(600 - i)));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> count("select count(*) from control_execution where "
                + "control_id = ? and chain_partition is not null", control) == 6);
        await().atMost(Duration.ofSeconds(60)).until(() -> count("select count(*) from control_failure where "
                + "control_id = ?", control) == 2);
        return new Fixture(control, t.minus(Duration.ofHours(1)), t.plus(Duration.ofHours(1)));
    }

    /** The accesses of the period recorded for a principal whose query names the control, newest first. */
    static List<Map<String, Object>> accesses(Fixture f, String principal) {
        List<Map<String, Object>> items = as("admin").queryParam("from", f.from().toString())
                .queryParam("to", f.to().plus(Duration.ofHours(1)).toString()).queryParam("principal", principal)
                .queryParam("limit", "1000").get("/api/v1/access-log").then().statusCode(200).extract()
                .jsonPath().getList("items");
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> item : items) {
            Object query = item.get("query");
            if (query != null && query.toString().contains(f.control())) {
                out.add(item);
            }
        }
        return out;
    }

    @Test
    void readsByTwoRolesAreRecordedWithWhoWhatPeriodAndRows() throws Exception {
        Fixture f = stored();
        as("auditor").get("/api/v1/executions?" + f.query()).then().statusCode(200).body("items.size()", equalTo(6));
        as("analyst").get("/api/v1/failures?control=" + f.control()).then().statusCode(200)
                .body("items.size()", equalTo(2));
        // only auditors and admins read the access log; the refusals are accesses too
        as("analyst").get("/api/v1/access-log?from=" + f.from() + "&to=" + f.to() + "&principal=" + f.control())
                .then().statusCode(403).contentType("application/problem+json");
        as("oncall").get("/api/v1/access-log?from=" + f.from() + "&to=" + f.to() + "&principal=" + f.control())
                .then().statusCode(403).contentType("application/problem+json");

        await().atMost(Duration.ofSeconds(20)).until(() -> accesses(f, "test-auditor").size() == 1
                && accesses(f, "test-analyst").size() == 2 && accesses(f, "test-oncall").size() == 1);
        Map<String, Object> auditor = accesses(f, "test-auditor").get(0);
        assertThat(auditor).containsEntry("principal", "test-auditor").containsEntry("method", "GET")
                .containsEntry("route", "/api/v1/executions").containsEntry("path", "/api/v1/executions")
                .containsEntry("status", 200).containsEntry("rows", 6)
                .containsEntry("periodFrom", f.from().toString()).containsEntry("periodTo", f.to().toString());
        assertThat(auditor.get("roles")).isEqualTo(List.of("auditor"));
        assertThat(Instant.parse(auditor.get("at").toString())).isBetween(f.from(), f.to());

        List<Map<String, Object>> analyst = accesses(f, "test-analyst");
        Map<String, Object> failures = analyst.stream().filter(a -> a.get("route").equals("/api/v1/failures"))
                .findFirst().orElseThrow();
        assertThat(failures).containsEntry("status", 200).containsEntry("rows", 2).containsEntry("periodFrom", null);
        assertThat(failures.get("roles")).isEqualTo(List.of("analyst"));
        Map<String, Object> refused = analyst.stream().filter(a -> a.get("route").equals("/api/v1/access-log"))
                .findFirst().orElseThrow();
        assertThat(refused).containsEntry("status", 403).containsEntry("rows", null);
        assertThat(accesses(f, "test-oncall").get(0)).containsEntry("route", "/api/v1/access-log")
                .containsEntry("status", 403);

        // reading the access log is itself recorded, with the rows it answered
        await().atMost(Duration.ofSeconds(20)).until(() -> as("admin").queryParam("from", f.from().toString())
                .queryParam("to", f.to().plus(Duration.ofHours(1)).toString()).queryParam("principal", "test-admin")
                .get("/api/v1/access-log").then().statusCode(200).extract().jsonPath()
                .getList("items.findAll { it.route == '/api/v1/access-log' && it.rows != null }").size() > 0);
    }

    @Test
    void aHugeTokenSubjectIsRecordedShortenedAndHoldsNoAccessBack() throws Exception {
        Fixture f = stored();
        // 3,000 random CJK characters: 9,000 bytes that do not compress, more than a b-tree index entry can hold
        java.util.Random random = new java.util.Random(42);
        StringBuilder chars = new StringBuilder();
        for (int i = 0; i < 3000; i++) {
            chars.append((char) (0x4E00 + random.nextInt(0x5000)));
        }
        String subject = chars.toString();
        String recorded = subject.substring(0, 256);
        String token = io.controlwatch.testsupport.TestTokens.token().roles("auditor").subject(subject).sign();
        io.restassured.RestAssured.given().auth().oauth2(token).get("/api/v1/executions?" + f.query()).then()
                .statusCode(200);
        as("auditor").get("/api/v1/failures?control=" + f.control()).then().statusCode(200);
        // the access after it is written: the long one did not block the queue
        await().atMost(Duration.ofSeconds(20)).until(() -> accesses(f, "test-auditor").size() == 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> accesses(f, recorded).size() == 1);
        assertThat(accesses(f, recorded).get(0)).containsEntry("rows", 6);
    }

    @Test
    void anAccessPostgreSQLRefusesIsCountedAndHoldsNoOtherBack() throws Exception {
        Fixture f = stored();
        double before = dropped();
        // a constraint the database enforces on one access only (a stand-in for any row it refuses for its content)
        EvidenceChainIT.update("alter table access_log add constraint refuse_one check (query is null or query "
                + "not like '%refuse-" + f.control() + "%')");
        try {
            as("auditor").get("/api/v1/executions?" + f.query() + "&subject=refuse-" + f.control()).then()
                    .statusCode(200);
            as("auditor").get("/api/v1/executions?" + f.query()).then().statusCode(200);
            await().atMost(Duration.ofSeconds(20)).until(() -> accesses(f, "test-auditor").size() == 1);
            assertThat(accesses(f, "test-auditor").get(0).get("query").toString()).doesNotContain("refuse-");
            await().atMost(Duration.ofSeconds(10)).until(() -> dropped() >= before + 1);
        } finally {
            EvidenceChainIT.update("alter table access_log drop constraint refuse_one");
        }
    }

    static double dropped() {
        String metrics = io.restassured.RestAssured.given().get("/q/metrics").then().statusCode(200).extract()
                .asString();
        return metrics.lines().filter(l -> l.startsWith("cw_access_log_dropped_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void theAccessLogIsKeysetPagedAndChecksItsParameters() throws Exception {
        Fixture f = stored();
        for (int i = 0; i < 3; i++) {
            as("auditor").get("/api/v1/executions?" + f.query() + "&limit=" + (i + 1)).then().statusCode(200);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> accesses(f, "test-auditor").size() == 3);
        List<Object> seen = new ArrayList<>();
        String cursor = null;
        do {
            var page = as("auditor").queryParam("from", f.from().toString()).queryParam("to", f.to().toString())
                    .queryParam("principal", "test-auditor").queryParam("limit", "1")
                    .queryParams(cursor == null ? Map.of() : Map.of("cursor", cursor))
                    .get("/api/v1/access-log").then().statusCode(200).extract().jsonPath();
            assertThat(page.getList("items")).hasSizeLessThanOrEqualTo(1);
            seen.addAll(page.getList("items.accessId"));
            cursor = page.getString("next");
        } while (cursor != null);
        assertThat(seen).doesNotHaveDuplicates().hasSizeGreaterThanOrEqualTo(3);

        as("auditor").get("/api/v1/access-log?from=" + f.from()).then().statusCode(400)
                .contentType("application/problem+json");
        as("auditor").get("/api/v1/access-log?from=" + f.to() + "&to=" + f.from()).then().statusCode(400)
                .contentType("application/problem+json");
        as("auditor").get("/api/v1/access-log?from=" + f.from() + "&to=" + f.to() + "&cursor=nonsense").then()
                .statusCode(400).contentType("application/problem+json");
    }

    @Test
    void aBundleOfThePeriodHoldsItsAccessLog() throws Exception {
        Fixture f = stored();
        as("auditor").get("/api/v1/executions?" + f.query()).then().statusCode(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> accesses(f, "test-auditor").size() == 1);
        String accessId = accesses(f, "test-auditor").get(0).get("accessId").toString();

        String location = as("auditor").contentType(ContentType.JSON)
                .body("{\"from\":\"" + f.from() + "\",\"to\":\"" + f.to() + "\",\"controls\":[\"" + f.control() + "\"]}")
                .post("/api/v1/exports").then().statusCode(202).extract().header("Location");
        String path = java.net.URI.create(location).getPath();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
            String state = as("auditor").get(path).then().statusCode(200).extract().path("state");
            assertThat(state).isNotEqualTo("FAILED");
            return "DONE".equals(state);
        });
        byte[] zip = as("auditor").get(path + "/bundle").then().statusCode(200).extract().asByteArray();
        Path bundle = dir.resolve("bundle.zip");
        Files.write(bundle, zip);

        BundleReport report = BundleVerifier.verify(bundle, ExportIT.servedKey());
        assertThat(report.verified()).as(report.discrepancies().toString()).isTrue();
        Map<String, byte[]> files = ExportIT.entries(bundle);
        String manifest = new String(files.get("manifest.json"), StandardCharsets.UTF_8);
        assertThat(ModelJson.mapper().readTree(manifest).path("files").has("access-log.jsonl")).isTrue();
        assertThat(ModelJson.mapper().readTree(manifest).path("files").has("access-log.csv")).isTrue();
        String jsonl = new String(files.get("access-log.jsonl"), StandardCharsets.UTF_8);
        assertThat(jsonl.lines().filter(l -> l.contains(accessId)).toList()).singleElement().satisfies(line -> {
            var row = ModelJson.mapper().readTree(line);
            assertThat(row.path("principal").asText()).isEqualTo("test-auditor");
            assertThat(row.path("route").asText()).isEqualTo("/api/v1/executions");
            assertThat(row.path("rows").asLong()).isEqualTo(6);
        });
        String csv = new String(files.get("access-log.csv"), StandardCharsets.UTF_8);
        assertThat(csv.lines().findFirst().orElseThrow()).isEqualTo(
                "access_id,at,principal,roles,method,route,path,query,period_from,period_to,status,row_count");
        assertThat(csv.lines().filter(l -> l.startsWith(accessId + ",")).toList()).singleElement()
                .satisfies(l -> assertThat(l).contains(",test-auditor,auditor,GET,/api/v1/executions,").endsWith(",200,6"));

        // the export request, its watching and its download are accesses too, with the export's period
        await().atMost(Duration.ofSeconds(20)).until(() -> as("admin").queryParam("from", f.from().toString())
                .queryParam("to", f.to().plus(Duration.ofHours(1)).toString()).queryParam("principal", "test-auditor")
                .get("/api/v1/access-log").then().statusCode(200).extract().jsonPath()
                .getList("items.findAll { it.route == '/api/v1/exports/{id}/bundle' && it.rows == 6 && it.periodFrom == '"
                        + f.from() + "' }").size() == 1);
        List<Object> posts = as("admin").queryParam("from", f.from().toString())
                .queryParam("to", f.to().plus(Duration.ofHours(1)).toString()).queryParam("principal", "test-auditor")
                .get("/api/v1/access-log").then().statusCode(200).extract().jsonPath()
                .getList("items.findAll { it.method == 'POST' && it.route == '/api/v1/exports' && it.status == 202 && it.periodTo == '"
                        + f.to() + "' }");
        assertThat(posts).hasSize(1);
    }
}
