package io.controlwatch.evidence.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.controlwatch.evidence.EvidenceStore;
import io.controlwatch.evidence.KeyRing;
import io.controlwatch.evidence.Rows;
import io.controlwatch.evidence.SignedCheckpoint;
import io.controlwatch.evidence.SigningKey;
import io.controlwatch.evidence.StoredExecution;
import io.controlwatch.evidence.Tamper;
import io.controlwatch.evidence.cli.VerifierMain;
import io.controlwatch.evidence.verify.Population;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The brief's tampering table, end to end: an evidence store (tampered with or not) is exported to a bundle the way
 * the service exports, the bundle may be edited afterwards, and the offline verifier's command line must say what
 * happened and exit with 1; only the untouched bundle exits with 0.
 */
class BundleTamperingTest {

    private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");
    /** The period: rows 30..119 of 150 (one row a minute). */
    private static final Population PERIOD = new Population(T0.plusSeconds(30 * 60), T0.plusSeconds(120 * 60),
            Set.of());

    private static SigningKey serviceKey;
    private static EvidenceStore store;

    @TempDir
    Path dir;

    @BeforeAll
    static void recordEvidence() {
        serviceKey = SigningKey.generate();
        store = new EvidenceStore(serviceKey, 3);
        for (int i = 0; i < 150; i++) {
            // every other offset is taken by other records (transaction markers), so there are gaps to insert into
            store.store(i % 3, 2L * (i / 3), Rows.row(i, i % 2 == 0 ? "cc6.1-console-login-mfa" : "cc7.2-backup-ran",
                    T0.plusSeconds(60L * i), i % 11 == 5 ? "FAIL" : "PASS"));
            if ((i + 1) % 15 == 0) {
                store.checkpoint(T0.plusSeconds(60L * i + 30));
            }
        }
    }

    interface SourceTamper {
        void apply(Exports.Source source);
    }

    interface ZipTamper {
        void apply(Path zip) throws IOException;
    }

    record Case(String name, SourceTamper source, ZipTamper zip, String label, String words) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> tamperings() {
        // partition 1 holds rows 1, 4, 7, …; its index 20 is row 61, in the middle of the period
        return Stream.of(
                new Case("a row's result changed", s -> Tamper.replace(s.rows().get(1), 20,
                        r -> Tamper.result(r, "FAIL")), null, "row changed",
                        "partition 1, offset 40 (execution"),
                new Case("a row deleted", s -> Tamper.remove(s.rows().get(1), 20), null, "row deleted",
                        "and offset 42: the row at offset 42 was chained after a row that is no longer there"),
                new Case("a row inserted", s -> Tamper.insert(s.rows().get(1), 20, 39, true), null, "row inserted",
                        "partition 1, offset 39"),
                new Case("two rows swapped", s -> Tamper.swap(s.rows().get(1), 20, 23), null, "rows swapped",
                        "partition 1, offsets 40 and 46: rows swapped"),
                new Case("a checkpoint removed", s -> s.checkpoints().removeIf(c -> c.checkpoint().sequence() == 5),
                        null, "checkpoint removed", "checkpoint #5 is missing between #4 and #6"),
                new Case("a bundle file edited", null, zip -> Exports.edit(zip, "executions.csv",
                        b -> new String(b, StandardCharsets.UTF_8).replaceFirst("FAIL", "PASS")
                                .getBytes(StandardCharsets.UTF_8)), "file edited", "executions.csv was edited"),
                new Case("a row edited in the bundle", null, zip -> Exports.edit(zip, "executions.jsonl",
                        b -> new String(b, StandardCharsets.UTF_8).replaceFirst("\"FAIL\"", "\"PASS\"")
                                .getBytes(StandardCharsets.UTF_8)), "row changed", "row changed"),
                new Case("the manifest edited", null, zip -> Exports.edit(zip, "manifest.json",
                        b -> new String(b, StandardCharsets.UTF_8).replace("auditor:alice", "auditor:mallory")
                                .getBytes(StandardCharsets.UTF_8)), "manifest signature invalid",
                        "the manifest was edited after signing, or signed by another key"),
                new Case("the signature from another key, naming that key", null, zip -> resign(zip, true),
                        "untrusted key", "which is not a trusted key"),
                new Case("the signature from another key, naming the service's key", null, zip -> resign(zip, false),
                        "manifest signature invalid", "signed by another key"),
                new Case("a checkpoint removed from the bundle", null, zip -> Exports.edit(zip, "checkpoints.jsonl",
                        b -> dropLine(b, 2)), "checkpoint removed", "is missing between"),
                new Case("a file added to the bundle", null, zip -> Exports.add(zip, "notes.txt",
                        "all good".getBytes(StandardCharsets.UTF_8)), "file not in manifest",
                        "notes.txt is in the bundle but not in the manifest"));
    }

    @Test
    void anUntouchedBundleVerifies() throws IOException {
        Path zip = export(Exports.Source.of(store), KeyRing.signingWith(serviceKey, List.of()));
        Run run = verifier(zip.toString(), "--public-key", publicKeyFile(serviceKey).toString());
        assertThat(run.exitCode()).as(run.out()).isEqualTo(VerifierMain.VERIFIED);
        assertThat(run.out()).contains("RESULT: VERIFIED")
                .contains("checkpoints  ")
                .containsPattern("chain        3 partition\\(s\\), 90 rows of the population and \\d+ links");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tamperings")
    void everyTamperingIsReportedWithExitCode1(Case c) throws IOException {
        Exports.Source source = copy(Exports.Source.of(store));
        if (c.source() != null) {
            c.source().apply(source);
        }
        Path zip = export(source, KeyRing.signingWith(serviceKey, List.of()));
        if (c.zip() != null) {
            c.zip().apply(zip);
        }
        Run run = verifier(zip.toString(), "--public-key", publicKeyFile(serviceKey).toString());
        assertThat(run.exitCode()).as(run.out()).isEqualTo(VerifierMain.NOT_VERIFIED);
        assertThat(run.out()).contains("RESULT: NOT VERIFIED");
        assertThat(run.out().lines().filter(l -> l.startsWith("  - [" + c.label() + "]")))
                .as(run.out()).anySatisfy(line -> assertThat(line).contains(c.words()));
    }

    @Test
    void keyRotationKeepsOldCheckpointsVerifiable() throws IOException {
        SigningKey first = SigningKey.generate();
        SigningKey second = SigningKey.generate();
        EvidenceStore rotated = new EvidenceStore(first, 2);
        for (int i = 0; i < 80; i++) {
            rotated.store(i % 2, i / 2, Rows.row(i, "c", T0.plusSeconds(60L * i), "PASS"));
            if ((i + 1) % 10 == 0) {
                rotated.checkpoint(T0.plusSeconds(60L * i + 30));
            }
            if (i == 39) {
                rotated.rotate(second); // checkpoints #1-#4 by the first key, #5-#8 by the second
            }
        }
        KeyRing ring = KeyRing.signingWith(first, List.of()).rotate(second);
        Population wholeSpan = new Population(T0.plusSeconds(15 * 60), T0.plusSeconds(70 * 60), Set.of());
        Path zip = dir.resolve("rotated.zip");
        Exports.write(Exports.Source.of(rotated), wholeSpan, ring, zip);
        assertThat(rotated.checkpoints().get(1).checkpoint().keyId()).isEqualTo(first.keyId());
        assertThat(rotated.checkpoints().get(6).checkpoint().keyId()).isEqualTo(second.keyId());

        Path ringFile = dir.resolve("ring.pem");
        Files.writeString(ringFile, ring.publicKeysPem());
        assertThat(verifier(zip.toString(), "--public-key", ringFile.toString()).exitCode()).isZero();
        assertThat(verifier(zip.toString(), "--fingerprint", second.keyId(), "--fingerprint", first.keyId())
                .exitCode()).isZero();

        Run onlyNew = verifier(zip.toString(), "--fingerprint", second.keyId());
        assertThat(onlyNew.exitCode()).isEqualTo(VerifierMain.NOT_VERIFIED);
        assertThat(onlyNew.out()).contains("[untrusted key] checkpoint #2 is signed by key " + first.keyId());
    }

    @Test
    void trustingByFingerprintUsesTheBundlesKeyFileButOnlyThePinnedKey() throws IOException {
        Path zip = export(Exports.Source.of(store), KeyRing.signingWith(serviceKey, List.of()));
        assertThat(verifier(zip.toString(), "--fingerprint", serviceKey.keyId()).exitCode()).isZero();

        // a forger who replaces the keys in the bundle gains nothing: the pinned fingerprint is not among them
        SigningKey forger = SigningKey.generate();
        Exports.edit(zip, "public-keys.pem", b -> forger.publicKey().pem().getBytes(StandardCharsets.US_ASCII));
        Run run = verifier(zip.toString(), "--fingerprint", serviceKey.keyId());
        assertThat(run.exitCode()).isEqualTo(VerifierMain.NOT_VERIFIED);
        assertThat(run.out()).contains("[untrusted key]").contains("no key with fingerprint " + serviceKey.keyId());
    }

    @Test
    void usageErrorsExitWith2() throws IOException {
        Path zip = export(Exports.Source.of(store), KeyRing.signingWith(serviceKey, List.of()));
        assertThat(verifier().exitCode()).isEqualTo(VerifierMain.USAGE);
        assertThat(verifier(zip.toString()).exitCode()).as("no key").isEqualTo(VerifierMain.USAGE);
        assertThat(verifier(dir.resolve("absent.zip").toString(), "--fingerprint", serviceKey.keyId()).exitCode())
                .isEqualTo(VerifierMain.USAGE);
        assertThat(verifier(zip.toString(), "--fingerprint", "abc").exitCode()).isEqualTo(VerifierMain.USAGE);
        assertThat(verifier(zip.toString(), "--public-key", dir.resolve("none.pem").toString()).exitCode())
                .isEqualTo(VerifierMain.USAGE);
        assertThat(verifier(zip.toString(), "--frobnicate").exitCode()).isEqualTo(VerifierMain.USAGE);
        Run help = verifier("--help");
        assertThat(help.exitCode()).isEqualTo(VerifierMain.USAGE);
        assertThat(help.out()).contains("Usage: java -jar evidence-verifier.jar");
    }

    @Test
    void aFileThatIsNotAZipIsAFindingNotAUsageError() throws IOException {
        Path notZip = dir.resolve("bundle.zip");
        Files.writeString(notZip, "hello");
        Run run = verifier(notZip.toString(), "--fingerprint", serviceKey.keyId());
        assertThat(run.exitCode()).isEqualTo(VerifierMain.NOT_VERIFIED);
        assertThat(run.out()).contains("[bundle unreadable]");
    }

    @Test
    void malformedLinesAreFindingsNotCrashes() throws IOException {
        Path zip = export(Exports.Source.of(store), KeyRing.signingWith(serviceKey, List.of()));
        Exports.edit(zip, "executions.jsonl", b -> {
            String text = new String(b, StandardCharsets.UTF_8);
            int second = text.indexOf('\n') + 1;
            int third = text.indexOf('\n', second) + 1;
            String line = text.substring(second, third);
            // a year whose microseconds overflow a long, then a digest that is not hex
            String overflow = line.replaceFirst("\"eventTime\":\"[^\"]+\"", "\"eventTime\":\"+1000000000-01-01T00:00:00Z\"");
            String badHex = line.replaceFirst("\"rowDigest\":\"[0-9a-f]{4}", "\"rowDigest\":\"zzzz");
            return (text.substring(0, second) + overflow + badHex + text.substring(third)).getBytes(StandardCharsets.UTF_8);
        });
        Run run = verifier(zip.toString(), "--fingerprint", serviceKey.keyId());
        assertThat(run.exitCode()).as(run.out()).isEqualTo(VerifierMain.NOT_VERIFIED);
        assertThat(run.out()).contains("[row malformed] executions.jsonl line 2:")
                .contains("[row malformed] executions.jsonl line 3:").contains("[file edited]");
    }

    @Test
    void theJsonReportGivesStableCodes() throws IOException {
        Exports.Source source = copy(Exports.Source.of(store));
        Tamper.replace(source.rows().get(0), 15, r -> Tamper.result(r, "ERROR"));
        Path zip = export(source, KeyRing.signingWith(serviceKey, List.of()));
        Run run = verifier(zip.toString(), "--fingerprint", serviceKey.keyId(), "--json");
        assertThat(run.exitCode()).isEqualTo(VerifierMain.NOT_VERIFIED);
        JsonNode report = new ObjectMapper().readTree(run.out());
        assertThat(report.get("verified").asBoolean()).isFalse();
        assertThat(report.get("discrepancies")).singleElement().satisfies(d -> {
            assertThat(d.get("kind").asText()).isEqualTo("row-changed");
            assertThat(d.get("partition").asInt()).isZero();
            assertThat(d.get("offset").asLong()).isEqualTo(30);
            assertThat(d.get("executionId").asText()).isEqualTo(store.rows(0).get(15).row().executionId());
        });
        assertThat(report.get("checked").get("rows").asLong()).isEqualTo(90);
    }

    @Test
    void theWriterKeepsChainOrderAndOneOpenFile() throws IOException {
        try (var out = new ByteArrayOutputStream(); var bundle = new BundleWriter(out,
                KeyRing.signingWith(serviceKey, List.of()))) {
            var rows = bundle.executions();
            StoredExecution a = store.rows(1).get(3);
            StoredExecution b = store.rows(0).get(3);
            rows.write(a);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> rows.write(b))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("not in chain order");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> bundle.file("other.csv"))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("still open");
            rows.close();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> bundle.file("../escape.csv"))
                    .isInstanceOf(IllegalArgumentException.class);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> bundle.file("manifest.json"))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void theSameEvidenceGivesTheSameBundleBytes() throws IOException {
        Path one = export(Exports.Source.of(store), KeyRing.signingWith(serviceKey, List.of()));
        Path two = dir.resolve("again.zip");
        Exports.write(Exports.Source.of(store), PERIOD, KeyRing.signingWith(serviceKey, List.of()), two);
        assertThat(Files.readAllBytes(two)).isEqualTo(Files.readAllBytes(one));
    }

    // --- helpers --------------------------------------------------------------------------------------------------

    private Path export(Exports.Source source, KeyRing keys) throws IOException {
        Path zip = dir.resolve("bundle.zip");
        Exports.write(source, PERIOD, keys, zip);
        return zip;
    }

    private Path publicKeyFile(SigningKey key) throws IOException {
        Path file = dir.resolve("service-key.pem");
        Files.writeString(file, key.publicKey().pem());
        return file;
    }

    record Run(int exitCode, String out) {
    }

    private static Run verifier(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = VerifierMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8));
    }

    private static Exports.Source copy(Exports.Source source) {
        var rows = new java.util.HashMap<Integer, List<StoredExecution>>();
        source.rows().forEach((p, list) -> rows.put(p, new ArrayList<>(list)));
        return new Exports.Source(rows, new ArrayList<>(source.checkpoints()));
    }

    /** Re-signs the manifest with a key of the forger's own; optionally names that key in it. */
    private static void resign(Path zip, boolean nameForgerKey) throws IOException {
        SigningKey forger = SigningKey.generate();
        byte[][] manifest = new byte[1][];
        Exports.edit(zip, "manifest.json", b -> {
            String text = new String(b, StandardCharsets.UTF_8).replace("auditor:alice", "auditor:mallory");
            if (nameForgerKey) {
                text = text.replace(serviceKey.keyId(), forger.keyId());
            }
            manifest[0] = text.getBytes(StandardCharsets.UTF_8);
            return manifest[0];
        });
        Exports.edit(zip, "manifest.sig", b -> (Base64.getEncoder().encodeToString(forger.sign(manifest[0])) + "\n")
                .getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] dropLine(byte[] content, int index) {
        List<String> lines = new ArrayList<>(new String(content, StandardCharsets.UTF_8).lines().toList());
        lines.remove(index);
        return (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    static List<SignedCheckpoint> checkpoints() {
        return store.checkpoints();
    }
}
