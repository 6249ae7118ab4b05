package io.controlwatch.ingest.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.controlwatch.ingest.config.IngestConfig;
import io.controlwatch.ingest.service.BackfillMarks;
import io.controlwatch.ingest.service.EventDataSchemas;
import io.controlwatch.ingest.service.EventIntake;
import io.controlwatch.ingest.service.Submitter;
import io.controlwatch.ingest.service.VertxEventDataSchemas;
import io.controlwatch.model.CloudEventValidator;
import io.controlwatch.model.ModelJson;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The ingest service's CPU per event without HTTP and Kafka: what it does with one batch of the bench's events
 * ({@value #BATCH} per request, the mix and shapes of bench/load-generator's {@code EventFactory}: 80 % auth.login, the
 * rest backups, uptime checks and merged pull requests). Every score is nanoseconds per event.
 * <ul>
 *   <li>{@code intakeBatch}: all of {@link EventIntake#batch}: parse, envelope and data checks, the stored JSON;</li>
 *   <li>{@code envelope}: the CloudEvents rules alone ({@link CloudEventValidator#validate}, {@code time} included);</li>
 *   <li>{@code dataSchemas}: the data schemas as ingest checks them now ({@link EventDataSchemas});</li>
 *   <li>{@code dataSchemasVertx}: the same with the Vert.x validator used until issue 14 ({@link VertxEventDataSchemas}),
 *       measured in the same run for comparison.</li>
 * </ul>
 * Run with {@code bench/ingest-benchmark.sh}; compare only runs on the same machine.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class IntakeBenchmark {

    static final int BATCH = 500;

    private EventIntake intake;
    private EventDataSchemas schemas;
    private VertxEventDataSchemas vertx;
    private CloudEventValidator.Bounds bounds;
    private byte[] body;
    private final List<String> types = new ArrayList<>();
    private final List<JsonNode> events = new ArrayList<>();
    private final Submitter submitter = new Submitter("bench", List.of("urn:cw-bench:"));

    @Setup(Level.Trial)
    public void load() throws Exception {
        IngestConfig config = new SmallRyeConfigBuilder().withMapping(IngestConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter()).build().getConfigMapping(IngestConfig.class);
        schemas = new EventDataSchemas();
        vertx = new VertxEventDataSchemas();
        intake = new EventIntake(config, schemas, Clock.systemUTC(), BackfillMarks.NONE);
        bounds = CloudEventValidator.Bounds.DEFAULT;
        body = batch(new Random(14), Instant.now()).getBytes(StandardCharsets.UTF_8);
        for (JsonNode event : ModelJson.mapper().readTree(body)) {
            events.add(event);
            types.add(event.get("type").asText());
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Object intakeBatch() {
        return intake.batch(body, submitter);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void envelope(Blackhole bh) {
        Instant now = Instant.now();
        for (JsonNode event : events) {
            bh.consume(CloudEventValidator.validate(event, bounds, now));
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void dataSchemas(Blackhole bh) {
        for (int i = 0; i < BATCH; i++) {
            bh.consume(schemas.validate(types.get(i), events.get(i).get("data")));
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void dataSchemasVertx(Blackhole bh) {
        for (int i = 0; i < BATCH; i++) {
            bh.consume(vertx.validate(types.get(i), events.get(i).get("data")));
        }
    }

    /** A batch as the bench posts it (bench/load-generator EventFactory: same types, fields and sizes, ~410 bytes each). */
    static String batch(Random random, Instant now) {
        String[] apps = {"aws-console", "github", "okta-admin", "jira", "salesforce", "gcp-console"};
        String[] systems = {"postgres-prod", "s3-audit-logs", "gitlab-data", "hr-fileshare"};
        String[] targets = {"https://app.example.com/health", "https://api.example.com/health", "https://status.example.com"};
        String[] repos = {"example-org/api", "example-org/web", "example-org/infra"};
        String time = now.truncatedTo(java.time.temporal.ChronoUnit.MICROS).toString();
        StringBuilder json = new StringBuilder(BATCH * 480).append('[');
        for (int seq = 0; seq < BATCH; seq++) {
            String user = "user" + random.nextInt(2000) + "@bench.example.com";
            double kind = random.nextDouble();
            String type;
            String subject;
            String data;
            if (kind < 0.8) {
                type = "auth.login";
                subject = user;
                data = "{\"user\":\"" + user + "\",\"mfa\":" + (kind >= 0.2) + ",\"outcome\":\""
                        + (kind >= 0.2 && random.nextDouble() < 0.125 ? "failure" : "success") + "\",\"ip\":\"198.51.100."
                        + random.nextInt(250) + "\",\"app\":\"" + apps[random.nextInt(apps.length)]
                        + "\",\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0\",\"sessionId\":\""
                        + Long.toHexString(random.nextLong()) + "\"}";
            } else if (kind < 0.8667) {
                type = "backup.completed";
                subject = systems[random.nextInt(systems.length)];
                data = "{\"system\":\"" + subject + "\",\"status\":\"success\",\"sizeBytes\":" + (1_000_000L + random.nextInt(900_000_000))
                        + ",\"durationSeconds\":" + (30 + random.nextInt(3000)) + ",\"storageClass\":\"GLACIER_IR\",\"encrypted\":true}";
            } else if (kind < 0.9333) {
                type = "uptime.check";
                subject = targets[random.nextInt(targets.length)];
                data = "{\"target\":\"" + subject + "\",\"status\":\"up\",\"latencyMs\":" + (20 + random.nextInt(400))
                        + ",\"region\":\"eu-west-1\",\"probe\":\"probe-" + random.nextInt(12) + "\"}";
            } else {
                type = "vcs.pull_request.merged";
                String repo = repos[random.nextInt(repos.length)];
                int number = 100 + random.nextInt(9000);
                subject = repo + "#" + number;
                data = "{\"repository\":\"" + repo + "\",\"number\":" + number + ",\"author\":\"" + user
                        + "\",\"approvals\":" + random.nextInt(3) + ",\"baseBranch\":\"main\",\"checksPassed\":true}";
            }
            json.append(seq == 0 ? "" : ",").append("{\"specversion\":\"1.0\",\"id\":\"bench-").append(seq)
                    .append("\",\"source\":\"urn:cw-bench:jmh\",\"type\":\"").append(type)
                    .append("\",\"subject\":\"").append(subject).append("\",\"time\":\"").append(time)
                    .append("\",\"datacontenttype\":\"application/json\",\"data\":").append(data).append('}');
        }
        return json.append(']').toString();
    }
}
