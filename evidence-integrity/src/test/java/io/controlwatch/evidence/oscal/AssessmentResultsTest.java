package io.controlwatch.evidence.oscal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import io.controlwatch.evidence.EvidenceStore;
import io.controlwatch.evidence.KeyRing;
import io.controlwatch.evidence.Rows;
import io.controlwatch.evidence.Sha256;
import io.controlwatch.evidence.SignedCheckpoint;
import io.controlwatch.evidence.SigningKey;
import io.controlwatch.evidence.StoredExecution;
import io.controlwatch.evidence.bundle.BundleReport;
import io.controlwatch.evidence.bundle.BundleVerifier;
import io.controlwatch.evidence.bundle.BundleWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.ZipFile;

import static org.assertj.core.api.Assertions.assertThat;

/** The OSCAL document of a real export, validated against the NIST OSCAL 1.0.6 Assessment Results schema. */
class AssessmentResultsTest {

    private static final Instant FROM = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant TO = Instant.parse("2026-04-01T00:00:00Z");
    private static final List<String> SCOPE = List.of("CC1.1", "CC6.1", "CC6.6", "CC7.2", "CC8.1", "A1.2", "CC10.1");

    private static Schema schema;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadSchema() throws IOException {
        // copied unchanged from shared/standards/oscal (draft-07); formats asserted, not only annotated
        try (InputStream in = AssessmentResultsTest.class.getResourceAsStream(
                "/oscal/oscal_assessment-results_schema-1.0.6.json")) {
            SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7,
                    b -> b.schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));
            schema = registry.getSchema(in, InputFormat.JSON);
        }
    }

    private static List<Error> validate(String json) {
        return schema.validate(json, InputFormat.JSON);
    }

    @Test
    void aRealExportsDocumentIsValidOscal() throws IOException {
        SigningKey key = SigningKey.generate();
        EvidenceStore store = new EvidenceStore(key, 2);
        // three controls over the quarter: MFA with two failures (one still open), backups all passing, and one
        // that never ran; plus rows before and after the period
        String[] controls = {"cc6.1-console-login-mfa", "a1.2-backup-ran"};
        for (int i = 0; i < 200; i++) {
            Instant t = FROM.minusSeconds(86_400L * 10).plusSeconds(3_600L * 12 * i);
            store.store(i % 2, i, Rows.row(i, controls[i % 2], t, i % 2 == 0 && i % 50 == 10 ? "FAIL" : "PASS"));
            if ((i + 1) % 20 == 0) {
                store.checkpoint(t.plusSeconds(60));
            }
        }
        OperatingEffectiveness report = reportOf(store.allRows(), null);

        Path zip = dir.resolve("bundle.zip");
        try (OutputStream out = Files.newOutputStream(zip);
             BundleWriter bundle = new BundleWriter(out, KeyRing.signingWith(key, List.of()))) {
            List<StoredExecution> population = store.allRows().stream()
                    .filter(s -> inPeriod(s.row().eventTime()))
                    .sorted(java.util.Comparator.comparingInt(StoredExecution::partition)
                            .thenComparingLong(StoredExecution::offset)).toList();
            try (var rows = bundle.executions()) {
                for (StoredExecution s : population) {
                    rows.write(s);
                }
            }
            try (var links = bundle.links()) {
                for (StoredExecution s : store.allRows().stream().filter(s -> !inPeriod(s.row().eventTime()))
                        .sorted(java.util.Comparator.comparingInt(StoredExecution::partition)
                                .thenComparingLong(StoredExecution::offset)).toList()) {
                    links.write(s.link());
                }
            }
            try (var cps = bundle.checkpoints(true)) {
                for (SignedCheckpoint c : store.checkpoints()) {
                    cps.write(c);
                }
            }
            byte[] csv = csv(population);
            try (var file = bundle.file("executions.csv")) {
                file.write(csv);
                file.records(population.size());
            }
            try (var file = bundle.file("oscal/assessment-results.json")) {
                file.write(AssessmentResults.toJson(reportOf(store.allRows(), Sha256.hash(csv))));
            }
            bundle.finish(new BundleWriter.Details(FROM, TO, TO, "auditor:alice", List.of(), SCOPE,
                    EvidenceStore.TOPIC));
        }
        BundleReport verified = BundleVerifier.verify(zip, BundleVerifier.Trust.keys(List.of(key.publicKey())));
        assertThat(verified.discrepancies()).isEmpty();

        String json;
        try (ZipFile z = new ZipFile(zip.toFile())) {
            json = new String(z.getInputStream(z.getEntry("oscal/assessment-results.json")).readAllBytes(),
                    StandardCharsets.UTF_8);
        }
        assertThat(validate(json)).isEmpty();

        JsonNode result = new ObjectMapper().readTree(json).get("assessment-results").get("results").get(0);
        Map<String, JsonNode> findings = new TreeMap<>();
        result.get("findings").forEach(f -> findings.put(f.get("title").asText(), f));
        assertThat(findings.keySet()).containsExactlyInAnyOrder("CC1.1", "CC6.1", "CC6.6", "CC7.2", "CC8.1", "A1.2",
                "CC10.1");
        assertThat(state(findings.get("CC6.1"))).isEqualTo("not-satisfied/fail"); // MFA had exceptions
        assertThat(state(findings.get("A1.2"))).isEqualTo("satisfied/pass");      // backups all passed
        assertThat(state(findings.get("CC7.2"))).isEqualTo("not-satisfied/other"); // its control never ran
        assertThat(coverage(findings.get("CC7.2"))).isEqualTo("not-executed");
        assertThat(coverage(findings.get("CC1.1"))).isEqualTo("manual");            // never shown as passing
        assertThat(findings.get("CC1.1").get("description").asText()).contains("manual criterion");
        assertThat(coverage(findings.get("CC8.1"))).isEqualTo("not-covered");
        assertThat(result.get("observations")).hasSize(3);
        assertThat(result.get("observations").get(0).get("relevant-evidence").get(0).get("href").asText())
                .isEqualTo("../executions.csv");
        assertThat(result.get("risks")).singleElement().satisfies(r -> assertThat(r.get("title").asText())
                .isEqualTo("Open exceptions of cc6.1-console-login-mfa"));
    }

    @Test
    void referencesResolveInsideTheDocument() throws IOException {
        JsonNode doc = new ObjectMapper().readTree(AssessmentResults.toJson(sample())).get("assessment-results");
        Set<String> uuids = new HashSet<>();
        doc.findValues("uuid").forEach(u -> uuids.add(u.asText()));
        assertThat(doc.get("import-ap").get("href").asText()).startsWith("#")
                .satisfies(href -> assertThat(uuids).contains(href.substring(1)));
        doc.findValues("observation-uuid").forEach(u -> assertThat(uuids).contains(u.asText()));
        doc.findValues("risk-uuid").forEach(u -> assertThat(uuids).contains(u.asText()));
        doc.findValues("actor-uuid").forEach(u -> assertThat(uuids).contains(u.asText()));
        assertThat(doc.findValues("uuid")).allSatisfy(u -> assertThat(u.asText())
                .matches("[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
    }

    @Test
    void theSameReportGivesTheSameDocument() {
        assertThat(AssessmentResults.toJson(sample())).isEqualTo(AssessmentResults.toJson(sample()));
    }

    @Test
    void theValidatorRejectsWhatTheSchemaForbids() throws IOException {
        ObjectNode doc = AssessmentResults.build(sample());
        ObjectNode noPlan = doc.deepCopy();
        ((ObjectNode) noPlan.get("assessment-results")).remove("import-ap");
        assertThat(validate(noPlan.toString())).isNotEmpty();
        ObjectNode badState = doc.deepCopy();
        ((ObjectNode) badState.at("/assessment-results/results/0/findings/0/target/status")).put("state", "passed");
        assertThat(validate(badState.toString())).isNotEmpty();
        ObjectNode badTime = doc.deepCopy();
        ((ObjectNode) badTime.at("/assessment-results/results/0")).put("start", "yesterday");
        assertThat(validate(badTime.toString())).isNotEmpty();
        assertThat(validate(doc.toString())).isEmpty();
    }

    @Test
    void criteriaSortAsTheTrustServicesCriteriaDo() {
        List<String> criteria = new ArrayList<>(List.of("P1.1", "CC10.1", "A1.2", "CC2.1", "PI1.1", "C1.1", "CC1.1"));
        criteria.sort(AssessmentResults.TSC_ORDER);
        assertThat(criteria).containsExactly("CC1.1", "CC2.1", "CC10.1", "A1.2", "C1.1", "PI1.1", "P1.1");
    }

    // --- helpers --------------------------------------------------------------------------------------------------

    private static OperatingEffectiveness sample() {
        return new OperatingEffectiveness(FROM, TO, TO, "Acme Corp", "0.1.0", SCOPE, List.of(
                new ControlResult("cc6.1-console-login-mfa", "Console logins use MFA", List.of("CC6.1", "CC6.6"),
                        "continuous", List.of("v1"), 100, 97, 2, 1, 2.0 / 99, 2, 1, 1),
                new ControlResult("a1.2-backup-ran", "Backups run daily", List.of("A1.2"), "daily", List.of("v1"), 90,
                        90, 0, 0, 0, 0, 0, 0)),
                List.of(new ManualCriteria(List.of("CC1.1"), "Governance records reviewed by people.")),
                "../executions.csv", null);
    }

    /** The report the alerting service would compute, from the rows themselves. */
    private static OperatingEffectiveness reportOf(List<StoredExecution> rows, Sha256 populationSha256) {
        Map<String, long[]> counts = new TreeMap<>();
        for (StoredExecution s : rows) {
            if (!inPeriod(s.row().eventTime())) {
                continue;
            }
            long[] c = counts.computeIfAbsent(s.row().controlId(), k -> new long[4]);
            c[0]++;
            switch (s.row().result()) {
                case "PASS" -> c[1]++;
                case "FAIL" -> c[2]++;
                default -> c[3]++;
            }
        }
        List<ControlResult> results = new ArrayList<>();
        long[] mfa = counts.get("cc6.1-console-login-mfa");
        long[] backup = counts.get("a1.2-backup-ran");
        results.add(new ControlResult("cc6.1-console-login-mfa", "Console logins use MFA", List.of("CC6.1", "CC6.6"),
                "continuous", List.of("v1"), mfa[0], mfa[1], mfa[2], mfa[3], (double) mfa[2] / (mfa[1] + mfa[2]),
                mfa[2], mfa[2] - 1, 1));
        results.add(new ControlResult("a1.2-backup-ran", "Backups run daily", List.of("A1.2"), "daily", List.of("v1"),
                backup[0], backup[1], backup[2], backup[3], 0, 0, 0, 0));
        results.add(new ControlResult("cc7.2-siem-alert-triaged", "SIEM alerts are triaged", List.of("CC7.2"),
                "continuous", List.of(), 0, 0, 0, 0, 0, 0, 0, 0));
        return new OperatingEffectiveness(FROM, TO, TO, "Acme Corp", "0.1.0", SCOPE, results,
                List.of(new ManualCriteria(List.of("CC1.1"), "Governance records reviewed by people.")),
                "../executions.csv", populationSha256);
    }

    private static boolean inPeriod(Instant t) {
        return !t.isBefore(FROM) && t.isBefore(TO);
    }

    private static byte[] csv(List<StoredExecution> rows) {
        StringBuilder out = new StringBuilder("execution_id,control_id,result,event_time\n");
        rows.forEach(s -> out.append(s.row().executionId()).append(',').append(s.row().controlId()).append(',')
                .append(s.row().result()).append(',').append(s.row().eventTime()).append('\n'));
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String state(JsonNode finding) {
        JsonNode status = finding.get("target").get("status");
        return status.get("state").asText() + "/" + status.get("reason").asText();
    }

    private static String coverage(JsonNode finding) {
        for (JsonNode p : finding.get("props")) {
            if (p.get("name").asText().equals("coverage")) {
                return p.get("value").asText();
            }
        }
        return null;
    }
}
