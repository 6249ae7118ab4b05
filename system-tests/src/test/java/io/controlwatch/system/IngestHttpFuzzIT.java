package io.controlwatch.system;

import io.controlwatch.testsupport.HostileBodies;
import io.controlwatch.testsupport.TestTokens;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Black-box mutation fuzzing of {@code POST /api/v1/events} on the running ingest process: {@value #INPUTS} bodies
 * made by mutating valid events and the hostile corpus the way libFuzzer does (bit flips, byte and token
 * insertions, deletions, duplicated ranges, splices of two seeds, JSON-aware edits of attribute values), posted as
 * an ingest client would. Whatever the body, the answer is a 202 or a 4xx problem+json whose text leaks nothing,
 * never a 5xx, and all three services stay ready. The parser and validator themselves are fuzzed coverage-guided,
 * in process (ingest-service EventIntakeFuzzTest).
 * <p>
 * Reproducible: the seed is printed ({@code -Dcw.fuzz.seed=N} replays a run); a body that once found a bug goes into
 * {@code src/test/resources/fuzz-seeds/} and is posted first, every run.
 */
class IngestHttpFuzzIT {

    static final int INPUTS = 10_000;
    static final Pattern LEAKS = Pattern.compile("(?i)(\\bat [a-z]+\\.[a-z]|Exception:|java\\.lang|com\\.fasterxml\\.jackson)");
    static final List<String> TOKENS = List.of("\"specversion\"", "\"1.0\"", "\"id\"", "\"source\"", "\"type\"",
            "\"subject\"", "\"time\"", "\"data\"", "\"data_base64\"", "\"auth.login\"", "\"backup.completed\"", "\"mfa\"",
            "\"2026-11-28T09:00:00Z\"", "\"+300000-01-01T00:00:00Z\"", "\"urn:controlwatch:x\"", "\"controlwatch.x\"",
            "\"cwsubmitter\"", "\\u0000", "\\ud800", "1e999", "-0", "9007199254740993", "null", "true", "[", "]", "{", "}",
            ",", ":", "\"", "\\", "\u0000", "\u00ff", "\uffff");

    static ControlWatchStack stack;

    @BeforeAll
    static void start() {
        stack = ControlWatchStack.get();
    }

    @Test
    void anyBodyGetsA202OrAClientErrorThatLeaksNothing() throws Exception {
        long seed = Long.getLong("cw.fuzz.seed", System.nanoTime());
        System.out.println("IngestHttpFuzzIT seed " + seed + " (replay with -Dcw.fuzz.seed=" + seed + ")");
        Random random = new Random(seed);
        List<byte[]> seeds = seeds();
        List<byte[]> bodies = new ArrayList<>(seeds);
        while (bodies.size() < INPUTS) {
            bodies.add(mutate(seeds.get(random.nextInt(seeds.size())), seeds, random));
        }
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        String token = TestTokens.token().roles("ingest").subject("http-fuzzer").expiresAt(Instant.now().plus(Duration.ofHours(2))).sign();
        Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
        List<String> findings = Collections.synchronizedList(new ArrayList<>());
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> posted = new ArrayList<>();
            for (byte[] body : bodies) {
                posted.add(clients.submit(() -> post(http, token, body, statuses, findings)));
            }
            for (Future<?> f : posted) {
                f.get();
            }
        } finally {
            clients.shutdownNow();
        }
        System.out.println("IngestHttpFuzzIT: " + bodies.size() + " bodies posted, answers by status " + statuses);
        assertThat(findings).as("bodies answered with a 5xx, an unknown status or a leaking problem").isEmpty();
        assertThat(statuses.keySet()).as("statuses seen").contains(202, 400);
        for (ServiceProcess service : List.of(stack.ingest, stack.evaluation, stack.alerting)) {
            assertThat(ServiceProcess.status(service.url("/q/health/ready"))).as(service.name + " ready").isEqualTo(200);
        }
    }

    private static void post(HttpClient http, String token, byte[] body, Map<Integer, AtomicLong> statuses, List<String> findings) {
        boolean batch = body.length > 0 && body[0] == '[';
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(stack.ingest.url("/api/v1/events")))
                    .timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", batch ? HostileBodies.BATCH : HostileBodies.SINGLE)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            int status = response.statusCode();
            statuses.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
            boolean problem = response.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json");
            if (!(status == 202 || (status >= 400 && status < 500 && problem)) || LEAKS.matcher(response.body()).find()) {
                findings.add(status + " " + response.body() + " for body (base64) "
                        + java.util.Base64.getEncoder().encodeToString(body));
            }
        } catch (IOException e) {
            findings.add("no answer (" + e + ") for body (base64) " + java.util.Base64.getEncoder().encodeToString(body));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Valid events and every body of the hostile corpus under 64 KiB: the material mutations work on. */
    static List<byte[]> seeds() throws IOException {
        List<byte[]> seeds = new ArrayList<>();
        Path dir = Path.of("src/test/resources/fuzz-seeds");
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.sorted().toList()) {
                seeds.add(Files.readAllBytes(file));
            }
        }
        HostileBodies.all().stream().filter(b -> b.bytes().length < 64 * 1024).forEach(b -> seeds.add(b.bytes()));
        return seeds;
    }

    /** One to four libFuzzer-style mutations of a seed. */
    static byte[] mutate(byte[] seed, List<byte[]> seeds, Random random) {
        byte[] data = seed.clone();
        int rounds = 1 + random.nextInt(4);
        for (int r = 0; r < rounds && data.length > 0; r++) {
            int at = random.nextInt(data.length);
            data = switch (random.nextInt(8)) {
                case 0 -> { data[at] ^= (byte) (1 << random.nextInt(8)); yield data; }
                case 1 -> { data[at] = (byte) random.nextInt(256); yield data; }
                case 2 -> splice(data, at, random.nextInt(Math.min(16, data.length - at) + 1), new byte[0]);
                case 3 -> splice(data, at, 0, TOKENS.get(random.nextInt(TOKENS.size())).getBytes(StandardCharsets.UTF_8));
                case 4 -> splice(data, at, 0, java.util.Arrays.copyOfRange(data, at, Math.min(data.length, at + 1 + random.nextInt(32))));
                case 5 -> { // crossover: the head of this body with the tail of another seed
                    byte[] other = seeds.get(random.nextInt(seeds.size()));
                    int cut = other.length == 0 ? 0 : random.nextInt(other.length);
                    yield splice(data, at, data.length - at, java.util.Arrays.copyOfRange(other, cut, other.length));
                }
                case 6 -> replaceValue(data, random);
                default -> splice(data, at, 0, repeat((byte) "[{\"9 ".charAt(random.nextInt(5)), 1 + random.nextInt(200)));
            };
        }
        return data;
    }

    /** Replaces the string value after a random key with a token: a JSON-aware edit that keeps the body parseable. */
    private static byte[] replaceValue(byte[] data, Random random) {
        String text = new String(data, StandardCharsets.ISO_8859_1);
        int colon = text.indexOf("\":\"", random.nextInt(text.length()));
        if (colon < 0) {
            return data;
        }
        int start = colon + 3;
        int end = text.indexOf('"', start);
        if (end < 0) {
            return data;
        }
        String token = TOKENS.get(random.nextInt(TOKENS.size())).replace("\"", "");
        return (text.substring(0, start) + token + text.substring(end)).getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] splice(byte[] data, int at, int remove, byte[] insert) {
        byte[] out = new byte[data.length - remove + insert.length];
        System.arraycopy(data, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(data, at + remove, out, at + insert.length, data.length - at - remove);
        return out;
    }

    private static byte[] repeat(byte b, int n) {
        byte[] out = new byte[n];
        java.util.Arrays.fill(out, b);
        return out;
    }
}
