package io.controlwatch.ingest.service;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import io.controlwatch.common.api.ProblemException;
import io.controlwatch.ingest.config.IngestConfig;
import io.controlwatch.model.CloudEvent;
import io.controlwatch.model.CloudEventValidator;
import io.controlwatch.model.ModelJson;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.AfterAll;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing (Jazzer, libFuzzer's mutator) of what ingest does with a request body: parsing, the
 * CloudEvents rules, the bounds and the data schemas. Whatever the bytes, the intake either accepts events that
 * the evaluation service will read back as valid CloudEvents, or refuses the body with a 4xx problem that leaks
 * nothing; any other outcome (an exception, a 5xx, an accepted event that does not read back) is a finding.
 * <p>
 * {@code ./mvnw verify} fuzzes (JAZZER_FUZZ=1 in this module's surefire configuration) for at least
 * {@value #MIN_INPUTS} inputs; without it the test replays the seeds and every input that once found a bug, kept in
 * {@code src/test/resources/io/controlwatch/ingest/service/EventIntakeFuzzTestInputs/}.
 */
class EventIntakeFuzzTest {

    static final int MIN_INPUTS = 10_000;
    static final Pattern LEAKS = Pattern.compile("(?i)(exception|java\\.|com\\.fasterxml|jackson|\\$)");
    static final AtomicLong INPUTS = new AtomicLong();

    static final EventIntake INTAKE = new EventIntake(config(), new EventDataSchemas(), Clock.systemUTC(), BackfillMarks.NONE);
    static final Submitter SUBMITTER = new Submitter("fuzzer", List.of("https://", "urn:"));

    static IngestConfig config() {
        // the defaults as the service reads them (Quarkus' duration syntax: 5m, 20s)
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(IngestConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter()).build();
        return config.getConfigMapping(IngestConfig.class);
    }

    @FuzzTest(maxExecutions = 20_000, maxDuration = "3m")
    @DictionaryEntries({"\"specversion\"", "\"1.0\"", "\"id\"", "\"source\"", "\"type\"", "\"subject\"", "\"time\"",
            "\"data\"", "\"data_base64\"", "\"datacontenttype\"", "\"dataschema\"", "\"auth.login\"", "\"mfa\"",
            "\"outcome\"", "\"user\"", "\"success\"", "\"2026-11-28T09:00:00Z\"", "\"https://idp.example.com\"",
            "\"controlwatch.\"", "\"urn:controlwatch:\"", "\"cwsubmitter\"", "\\u0000", "1e999", "true", "null", "[", "{"})
    void anyBodyIsAcceptedSoundlyOrRefusedWithAClientError(byte[] body) throws Exception {
        INPUTS.incrementAndGet();
        boolean batch = body.length > 0 && body[0] == '[';
        List<AcceptedEvent> accepted;
        try {
            accepted = batch ? INTAKE.batch(body, SUBMITTER) : INTAKE.single(body, SUBMITTER);
        } catch (ProblemException refused) {
            assertThat(refused.problem().status()).isBetween(400, 499);
            assertThat(refused.problem().detail()).doesNotContainPattern(LEAKS);
            assertThat(refused.problem().errors()).hasSizeLessThanOrEqualTo(100);
            return;
        }
        assertThat(accepted).isNotEmpty();
        for (AcceptedEvent event : accepted) {
            // what ingest stores is what the evaluation service will read: it must come back as a valid CloudEvent
            JsonNode stored = ModelJson.mapper().readTree(event.json());
            assertThat(CloudEventValidator.validate(stored)).isEmpty();
            CloudEvent parsed = ModelJson.mapper().treeToValue(stored, CloudEvent.class);
            assertThat(parsed.cwsubmitter()).isEqualTo("fuzzer");
            assertThat(parsed.id()).isEqualTo(event.id());
        }
    }

    @AfterAll
    static void fuzzedEnoughInputs() {
        if ("1".equals(System.getenv("JAZZER_FUZZ"))) {
            assertThat(INPUTS.get()).as("inputs fuzzed").isGreaterThanOrEqualTo(MIN_INPUTS);
        }
    }
}
