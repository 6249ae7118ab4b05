package io.controlwatch.alerting.api;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import io.controlwatch.alerting.TestClock;
import io.controlwatch.evidence.VerificationKey;
import io.controlwatch.evidence.bundle.BundleReport;
import io.controlwatch.evidence.bundle.BundleVerifier;
import io.controlwatch.evidence.verify.Discrepancy;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ExecutionResult;
import io.controlwatch.model.ModelJson;
import io.controlwatch.model.PackVersion;
import io.controlwatch.model.Topics;
import io.controlwatch.testsupport.EvidenceKeyTestResource;
import io.controlwatch.testsupport.JwtTestResource;
import io.controlwatch.testsupport.KafkaTestResource;
import io.controlwatch.testsupport.PostgresTestResource;
import io.controlwatch.testsupport.TestEvidenceKeys;
import io.controlwatch.testsupport.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import static io.controlwatch.alerting.api.EvidenceApiIT.as;
import static io.controlwatch.alerting.api.EvidenceApiIT.execution;
import static io.controlwatch.alerting.api.EvidenceChainIT.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/**
 * An export of a real stored population, from the API to the offline verifier: the bundle verifies with the key the
 * service serves, its OSCAL document is valid against NIST's schema, and a byte changed in it is caught.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = JwtTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = EvidenceKeyTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = ExportIT.CleanupEverySecond.class, restrictToAnnotatedClass = true)
class ExportIT {

    /** The bundle cleanup looks every second (1 minute by default), so that the retention test need not wait. */
    public static class CleanupEverySecond implements io.quarkus.test.common.QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            return Map.of("cw.exports.cleanup-every", "1s");
        }

        @Override
        public void stop() {
        }
    }

    static final String FROM = "2026-05-17T00:00:00Z";
    static final String TO = "2026-05-18T00:00:00Z";

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

    JsonPath exportDone(String body) {
        String location = as("auditor").contentType(ContentType.JSON).body(body).post("/api/v1/exports")
                .then().statusCode(202).body("state", org.hamcrest.Matchers.oneOf("QUEUED", "WAITING", "RUNNING"))
                .extract().header("Location");
        assertThat(location).contains("/api/v1/exports/");
        String path = java.net.URI.create(location).getPath();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
            String state = as("auditor").get(path).then().statusCode(200).extract().path("state");
            assertThat(state).isNotEqualTo("FAILED");
            return "DONE".equals(state);
        });
        return as("auditor").get(path).then().statusCode(200).body("percent", equalTo(100)).extract().jsonPath();
    }

    Path download(JsonPath export, String name) throws Exception {
        byte[] zip = as("auditor").get(export.getString("bundle")).then().statusCode(200)
                .contentType("application/zip").extract().asByteArray();
        Path file = dir.resolve(name);
        Files.write(file, zip);
        return file;
    }

    static BundleVerifier.Trust servedKey() {
        String pem = as("auditor").get("/api/v1/evidence/public-key").then().statusCode(200)
                .extract().path("keys[0].pem");
        VerificationKey key = VerificationKey.fromPem(pem);
        assertThat(key.keyId()).isEqualTo(TestEvidenceKeys.keyId());
        return BundleVerifier.Trust.keys(List.of(key));
    }

    static Map<String, byte[]> entries(Path zip) throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                entries.put(e.getName(), in.readAllBytes());
            }
        }
        return entries;
    }

    @Test
    void anExportOfAStoredPopulationVerifiesOfflineAndAFlippedByteIsCaught() throws Exception {
        String x = "cc6.1-export-" + UUID.randomUUID().toString().substring(0, 8);
        String y = "cc7.2-export-" + UUID.randomUUID().toString().substring(0, 8);
        Instant t = Instant.parse("2026-05-17T08:00:00Z");
        for (int i = 0; i < 30; i++) {
            publish(execution(x, "x-" + i, i % 4 == 0 ? ExecutionResult.FAIL : ExecutionResult.PASS,
                    "user" + (i % 3) + "@example.com", t.plusSeconds(60L * i)));
        }
        for (int i = 0; i < 10; i++) {
            publish(execution(y, "y-" + i, ExecutionResult.PASS, "host-" + i, t.plusSeconds(30L * i)));
        }
        for (int i = 0; i < 5; i++) { // the day before: outside the period, in the bundle as links at most
            publish(execution(x, "x-before-" + i, ExecutionResult.PASS, "user@example.com",
                    Instant.parse("2026-05-16T12:00:00Z").plusSeconds(i)));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> count("select count(*) from control_execution where "
                + "control_id in (?, ?) and chain_partition is not null", x, y) == 45);

        JsonPath export = exportDone("{\"from\":\"" + FROM + "\",\"to\":\"" + TO + "\"}");
        assertThat(export.getLong("rowsTotal")).isEqualTo(40);
        assertThat(export.getLong("rowsWritten")).isEqualTo(40);
        assertThat(export.getString("bundleSha256")).hasSize(64);
        Path bundle = download(export, "period.zip");

        BundleReport report = BundleVerifier.verify(bundle, servedKey());
        assertThat(report.verified()).as(report.discrepancies().toString()).isTrue();
        assertThat(report.summary().rows()).isEqualTo(40);
        Map<String, byte[]> files = entries(bundle);
        assertThat(files).containsKeys("executions.jsonl", "executions.csv", "evidence-chain.jsonl",
                "checkpoints.jsonl", "public-keys.pem", "failures.jsonl", "findings.jsonl", "exemptions.jsonl",
                "controls.jsonl", "operating-effectiveness.json", "operating-effectiveness.csv",
                "oscal/assessment-results.json", "manifest.json", "manifest.sig");
        String csv = new String(files.get("executions.csv"), StandardCharsets.UTF_8);
        assertThat(csv.lines().count()).isEqualTo(41); // header + the population
        assertThat(new String(files.get("failures.jsonl"), StandardCharsets.UTF_8).lines()
                .filter(l -> l.contains(x)).count()).isEqualTo(8);

        // the OSCAL document is valid against NIST's schema (the copy in evidence-integrity, from shared/standards)
        Schema schema;
        try (InputStream in = Files.newInputStream(Path.of(
                "../evidence-integrity/src/test/resources/oscal/oscal_assessment-results_schema-1.0.6.json"))) {
            schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7, b -> b.schemaRegistryConfig(
                    SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build())).getSchema(in, InputFormat.JSON);
        }
        List<Error> errors = schema.validate(new String(files.get("oscal/assessment-results.json"),
                StandardCharsets.UTF_8), InputFormat.JSON);
        assertThat(errors).isEmpty();

        // one byte of the population flipped after the export
        Path edited = dir.resolve("edited.zip");
        byte[] rows = files.get("executions.jsonl").clone();
        int at = new String(rows, StandardCharsets.UTF_8).indexOf("\"PASS\"") + 1;
        rows[at] = 'Q';
        files.put("executions.jsonl", rows);
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(edited))) {
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                out.putNextEntry(new ZipEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        BundleReport broken = BundleVerifier.verify(edited, servedKey());
        assertThat(broken.verified()).isFalse();
        assertThat(broken.discrepancies()).extracting(Discrepancy::kind).contains(Discrepancy.Kind.FILE_EDITED);

        // an export of one control: the others' rows of the period are links, and it still verifies
        JsonPath scoped = exportDone("{\"from\":\"" + FROM + "\",\"to\":\"" + TO + "\",\"controls\":[\"" + x + "\"]}");
        assertThat(scoped.getList("scope")).containsExactly(x);
        BundleReport scopedReport = BundleVerifier.verify(download(scoped, "scoped.zip"), servedKey());
        assertThat(scopedReport.verified()).as(scopedReport.discrepancies().toString()).isTrue();
        assertThat(scopedReport.summary().rows()).isEqualTo(30);
    }

    @Test
    void anExportWaitingForItsClosingCheckpointIsWaitingAndHoldsNoExportThread() throws Exception {
        String x = "cc6.1-wait-" + UUID.randomUUID().toString().substring(0, 8);
        Instant t = TestClock.now().truncatedTo(ChronoUnit.SECONDS);
        for (int i = 0; i < 3; i++) {
            publish(execution(x, "w-" + i, ExecutionResult.PASS, "user@example.com", t.minusSeconds(300 - i)));
        }
        String from = t.minus(Duration.ofHours(1)).toString();
        await().atMost(Duration.ofSeconds(60)).until(() -> count("select count(*) from control_execution where "
                + "control_id = ? and chain_partition is not null", x) == 3);
        // signed: no row of the period is pending any more, and no evidence flows after this
        await().atMost(Duration.ofSeconds(60)).until(() -> as("auditor").get("/api/v1/evidence/verify?from=" + from
                + "&to=" + t.plus(Duration.ofHours(1))).then().statusCode(200).extract().jsonPath()
                .getLong("rowsPending") == 0);
        // evidence has stopped flowing: no checkpoint in the last 3 seconds (they are made every second while it flows)
        await().atMost(Duration.ofSeconds(60)).until(() -> count("select count(*) from evidence_checkpoint "
                + "where recorded_at > now() - interval '3 seconds'") == 0);
        Instant to = TestClock.now().plusSeconds(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> TestClock.now().isAfter(to));

        // the period is over and no checkpoint was made after it: the export waits for one, visibly
        String waiting = java.net.URI.create(as("auditor").contentType(ContentType.JSON)
                .body("{\"from\":\"" + from + "\",\"to\":\"" + to + "\",\"controls\":[\"" + x + "\"]}")
                .post("/api/v1/exports").then().statusCode(202).extract().header("Location")).getPath();
        await().atMost(Duration.ofSeconds(10)).until(() -> "WAITING".equals(as("auditor").get(waiting).then()
                .statusCode(200).extract().path("state")));
        as("auditor").get(waiting).then().body("startedAt", org.hamcrest.Matchers.notNullValue())
                .body("percent", equalTo(0));

        // meanwhile the only export thread (CW_EXPORTS_CONCURRENCY=1) writes another export to its end
        JsonPath other = exportDone("{\"from\":\"" + from + "\",\"to\":\"" + t.minusSeconds(200)
                + "\",\"controls\":[\"" + x + "\"]}");
        assertThat(other.getLong("rowsTotal")).isEqualTo(3);
        as("auditor").get(waiting).then().statusCode(200).body("state", equalTo("WAITING"));
        as("auditor").get(waiting + "/bundle").then().statusCode(409).contentType("application/problem+json");

        // evidence flows again: the next checkpoint closes the period and the waiting export completes
        publish(execution(x + "-later", "w-later", ExecutionResult.PASS, "user@example.com", TestClock.now()));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            String state = as("auditor").get(waiting).then().statusCode(200).extract().path("state");
            assertThat(state).isNotEqualTo("FAILED");
            return "DONE".equals(state);
        });
        JsonPath done = as("auditor").get(waiting).then().statusCode(200).extract().jsonPath();
        assertThat(done.getLong("rowsTotal")).isEqualTo(3);
        BundleReport report = BundleVerifier.verify(download(done, "waited.zip"), servedKey());
        assertThat(report.verified()).as(report.discrepancies().toString()).isTrue();
        assertThat(report.summary().rows()).isEqualTo(3);
    }

    @Test
    void aBundleIsDeletedAfterTheRetentionAndItsDownloadIsThenGone() throws Exception {
        String x = "cc6.1-retention-" + UUID.randomUUID().toString().substring(0, 8);
        // a day of its own: the other tests count the population of FROM..TO
        publish(execution(x, "r-0", ExecutionResult.PASS, "user@example.com", Instant.parse("2026-05-19T09:00:00Z")));
        await().atMost(Duration.ofSeconds(60)).until(() -> count("select count(*) from control_execution where "
                + "control_id = ? and chain_partition is not null", x) == 1);
        JsonPath export = exportDone("{\"from\":\"2026-05-19T00:00:00Z\",\"to\":\"2026-05-20T00:00:00Z\","
                + "\"controls\":[\"" + x + "\"]}");
        String id = export.getString("exportId");
        Path file = Path.of(org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getOptionalValue("cw.exports.directory", String.class)
                .orElse(System.getProperty("java.io.tmpdir") + "/controlwatch-exports")).resolve(id + ".zip");
        assertThat(file).exists();
        download(export, "kept.zip");

        // a day before the retention (7 days by default) is over, it is still there
        TestClock.advance(Duration.ofDays(6));
        // through two cleanup ticks (every second in tests), the export stays DONE and its file stays
        await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(10)).until(() -> file.toFile().exists()
                && "DONE".equals(as("auditor").get("/api/v1/exports/" + id).then().statusCode(200).extract().path("state")));

        // past it, the file is deleted and the export EXPIRED; its download is gone (410), its record stays
        TestClock.advance(Duration.ofDays(2));
        await().atMost(Duration.ofSeconds(20)).until(() -> "EXPIRED".equals(as("auditor").get("/api/v1/exports/"
                + id).then().statusCode(200).extract().path("state")));
        assertThat(file).doesNotExist();
        as("auditor").get("/api/v1/exports/" + id).then().body("expiredAt", org.hamcrest.Matchers.notNullValue())
                .body("bundle", org.hamcrest.Matchers.nullValue()).body("bundleSha256", org.hamcrest.Matchers.hasLength(64));
        as("auditor").get("/api/v1/exports/" + id + "/bundle").then().statusCode(410)
                .contentType("application/problem+json")
                .body("type", org.hamcrest.Matchers.endsWith("export-expired"));
    }

    @Test
    void aBundleCarriesTheYamlOfEveryPackVersionInForceInItsPeriod() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String x = "cc6.1-packs-" + suffix;
        String during = "sha256:during-" + suffix;
        String after = "sha256:after-" + suffix;
        String ranYaml = "pack: soc2-core\nversion: ran\ncontrols: []\n";
        String duringYaml = "pack: soc2-core\nversion: during-" + suffix + "\ncontrols: []\n";
        // the registry's version records, as the evaluation service writes them (the executions name sha256:pack)
        for (PackVersion v : List.of(
                new PackVersion("soc2-core", "sha256:pack", ranYaml, "api", "it-admin",
                        Instant.parse("2026-05-01T00:00:00Z"), null),
                new PackVersion("soc2-core", during, duringYaml, "api", "it-admin",
                        Instant.parse("2026-05-20T12:00:00Z"), "sha256:pack"),
                new PackVersion("soc2-core", after, "pack: soc2-core\n", "api", "it-admin",
                        Instant.parse("2026-06-01T00:00:00Z"), during))) {
            producer.send(new ProducerRecord<>(Topics.PACKS, PackVersion.VERSION_KEY_PREFIX + v.version(),
                    ModelJson.mapper().writeValueAsString(v))).get();
        }
        publish(execution(x, "p-0", ExecutionResult.PASS, "user@example.com", Instant.parse("2026-05-20T09:00:00Z")));
        await().atMost(Duration.ofSeconds(60)).until(() -> count("select count(*) from control_execution where "
                + "control_id = ? and chain_partition is not null", x) == 1
                // all three: the version records lie on different partitions of the registry, read in any order
                && count("select count(*) from pack_version where pack_version in (?, ?, ?)", "sha256:pack", during,
                after) == 3);

        JsonPath export = exportDone("{\"from\":\"2026-05-20T00:00:00Z\",\"to\":\"2026-05-21T00:00:00Z\","
                + "\"controls\":[\"" + x + "\"]}");
        Path bundle = download(export, "packs.zip");
        BundleReport report = BundleVerifier.verify(bundle, servedKey());
        assertThat(report.verified()).as(report.discrepancies().toString()).isTrue();
        Map<String, byte[]> files = entries(bundle);
        List<com.fasterxml.jackson.databind.JsonNode> listed = new String(files.get("packs.jsonl"),
                StandardCharsets.UTF_8).lines().map(l -> {
                    try {
                        return ModelJson.mapper().readTree(l);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }).toList();
        assertThat(listed).extracting(n -> n.path("packVersion").asText()).contains("sha256:pack", during)
                .doesNotContain(after);
        assertThat(listed).filteredOn(n -> n.path("packVersion").asText().equals(during)).singleElement()
                .satisfies(n -> {
                    assertThat(n.path("file").asText()).isEqualTo("packs/sha256_during-" + suffix + ".yaml");
                    assertThat(n.path("activations").get(0).path("activatedBy").asText()).isEqualTo("it-admin");
                });
        assertThat(new String(files.get("packs/sha256_during-" + suffix + ".yaml"), StandardCharsets.UTF_8))
                .isEqualTo(duringYaml);
        assertThat(new String(files.get("packs/sha256_pack.yaml"), StandardCharsets.UTF_8)).isEqualTo(ranYaml);
        assertThat(files).doesNotContainKey("packs/sha256_after-" + suffix + ".yaml");
        String manifest = new String(files.get("manifest.json"), StandardCharsets.UTF_8);
        assertThat(ModelJson.mapper().readTree(manifest).path("files").has("packs/sha256_during-" + suffix + ".yaml"))
                .isTrue();
    }

    @Test
    void exportsAreForAuditorsAndAdminsAndRefuseBadRequests() {
        String ok = "{\"from\":\"" + FROM + "\",\"to\":\"" + TO + "\"}";
        as("analyst").contentType(ContentType.JSON).body(ok).post("/api/v1/exports").then().statusCode(403);
        as("auditor").contentType(ContentType.JSON).body("{\"from\":\"" + TO + "\",\"to\":\"" + FROM + "\"}")
                .post("/api/v1/exports").then().statusCode(400).contentType("application/problem+json");
        as("auditor").contentType(ContentType.JSON).body("{\"from\":\"2020-01-01T00:00:00Z\",\"to\":\"" + TO + "\"}")
                .post("/api/v1/exports").then().statusCode(400).contentType("application/problem+json");
        as("auditor").contentType(ContentType.JSON).body("{\"to\":\"" + TO + "\"}")
                .post("/api/v1/exports").then().statusCode(400).contentType("application/problem+json");
        as("auditor").contentType(ContentType.JSON).body("{\"from\":\"" + FROM + "\",\"to\":\"" + TO
                        + "\",\"controls\":[\"no-such-control\"]}")
                .post("/api/v1/exports").then().statusCode(404).contentType("application/problem+json");
        as("auditor").contentType(ContentType.JSON).body("{\"from\":\"" + FROM + "\",\"to\":\"" + TO
                        + "\",\"criteria\":[\"ZZ9.9\"]}")
                .post("/api/v1/exports").then().statusCode(400).contentType("application/problem+json");
        as("auditor").get("/api/v1/exports/" + UUID.randomUUID()).then().statusCode(404)
                .contentType("application/problem+json");
        as("auditor").get("/api/v1/exports/not-a-uuid/bundle").then().statusCode(404)
                .contentType("application/problem+json");
    }
}
