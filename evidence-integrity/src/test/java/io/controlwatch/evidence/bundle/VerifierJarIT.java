package io.controlwatch.evidence.bundle;

import io.controlwatch.evidence.EvidenceStore;
import io.controlwatch.evidence.KeyRing;
import io.controlwatch.evidence.Rows;
import io.controlwatch.evidence.SigningKey;
import io.controlwatch.evidence.Tamper;
import io.controlwatch.evidence.verify.Population;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The jar the build ships, run as a separate process the way an auditor runs it. */
class VerifierJarIT {

    private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");

    @TempDir
    Path dir;

    @Test
    void theShippedJarVerifiesAndRejects() throws Exception {
        Path jar = Path.of(System.getProperty("verifier.jar", "target/evidence-verifier.jar"));
        assertThat(jar).exists();

        SigningKey key = SigningKey.generate();
        EvidenceStore store = new EvidenceStore(key, 2);
        for (int i = 0; i < 60; i++) {
            store.store(i % 2, i / 2, Rows.row(i, "cc6.1-console-login-mfa", T0.plusSeconds(60L * i), "PASS"));
            if ((i + 1) % 10 == 0) {
                store.checkpoint(T0.plusSeconds(60L * i + 30));
            }
        }
        Population period = new Population(T0.plusSeconds(600), T0.plusSeconds(2400), Set.of());
        Path keyFile = dir.resolve("key.pem");
        Files.writeString(keyFile, key.publicKey().pem());

        Path good = dir.resolve("good.zip");
        Exports.write(Exports.Source.of(store), period, KeyRing.signingWith(key, List.of()), good);
        Result ok = run(jar, good.toString(), "--public-key", keyFile.toString());
        assertThat(ok.exitCode()).as(ok.output()).isZero();
        assertThat(ok.output()).contains("RESULT: VERIFIED");

        Exports.Source tampered = Exports.Source.of(store);
        List<io.controlwatch.evidence.StoredExecution> rows = new ArrayList<>(tampered.rows().get(0));
        Tamper.replace(rows, 12, r -> Tamper.result(r, "FAIL"));
        tampered.rows().put(0, rows);
        Path bad = dir.resolve("bad.zip");
        Exports.write(tampered, period, KeyRing.signingWith(key, List.of()), bad);
        Result rejected = run(jar, bad.toString(), "--fingerprint", key.keyId());
        assertThat(rejected.exitCode()).as(rejected.output()).isEqualTo(1);
        assertThat(rejected.output()).contains("[row changed] partition 0, offset 12");

        assertThat(run(jar).exitCode()).isEqualTo(2);
    }

    record Result(int exitCode, String output) {
    }

    private Result run(Path jar, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx64m", "-jar", jar.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), output);
    }
}
