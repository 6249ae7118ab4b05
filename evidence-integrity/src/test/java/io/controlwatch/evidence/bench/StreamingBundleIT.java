package io.controlwatch.evidence.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A bundle much larger than the heap is written and verified in a JVM with a 24 MiB heap: the writer and the
 * verifier stream. 200,000 rows (~85 MB of JSON) by default; {@code -Dbundle.rows=1000000} for the full benchmark
 * size (bench/evidence-bundle.sh reports the rates).
 */
class StreamingBundleIT {

    @TempDir
    Path dir;

    @Test
    void aBundleFarLargerThanTheHeapIsWrittenAndVerified() throws Exception {
        long rows = Long.getLong("bundle.rows", 200_000);
        Path zip = dir.resolve("large.zip");
        Process process = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx24m", "-cp", System.getProperty("java.class.path"), BundleBench.class.getName(),
                Long.toString(rows), "6", zip.toString())).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(10, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();

        Matcher result = Pattern.compile("RESULT rows=(\\d+) .*exported=(\\d+) .*bundle_mib=([\\d.]+) "
                + "peak_heap_mib=([\\d.]+) max_heap_mib=(\\d+) verified=true").matcher(output);
        assertThat(result.find()).as(output).isTrue();
        assertThat(Long.parseLong(result.group(1))).isEqualTo(rows);
        assertThat(Long.parseLong(result.group(2))).isEqualTo(rows * 9 / 10);
        assertThat(Long.parseLong(result.group(5))).isLessThanOrEqualTo(24);
        // the population's JSON alone is several times the heap: nothing held it whole
        long jsonBytes = rows * 400;
        assertThat(jsonBytes).isGreaterThan(3L * 24 * 1024 * 1024);
        assertThat(Files.size(zip)).isGreaterThan(rows * 50);
    }
}
