package io.controlwatch.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.controlwatch.engine.fixtures.Fixture;
import io.controlwatch.model.CloudEvent;
import io.controlwatch.model.ControlExecution;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/controls.md lists the CEL functions and macros with examples, true for an example event it shows. Each one
 * must compile as a condition and be true for that event, so the docs cannot promise what the engine does not do.
 */
class CelDocsTest {

    static final Path DOCS = Path.of("../docs/controls.md");
    static final Path PACK = Path.of("../control-packs/soc2/controls.yaml");

    @TestFactory
    Stream<DynamicTest> everyDocumentedExampleCompilesAndHoldsForTheExampleEvent() throws Exception {
        String docs = Files.readString(DOCS);
        CloudEvent event = exampleEvent(block(docs, "<!-- cel-example-event -->"));
        return examples(docs).stream().map(expression -> DynamicTest.dynamicTest(expression, () -> {
            ControlEngine engine = ControlEngine.compile(ControlPackLoader.parse(pack(expression), "docs/controls.md"));
            Instant now = event.time().toInstant();
            ControlExecution execution = engine.evaluate(event, now, now).executions().get(0);
            // a violation is the expression being true; PASS means false, ERROR an evaluation error
            assertThat(execution.result().name()).as(execution.reason()).isEqualTo("FAIL");
        }));
    }

    @Test
    void theDocsShowEveryEnabledMacroAndTheTimeFunctionsWithTimeZones() throws Exception {
        String examples = String.join("\n", examples(Files.readString(DOCS)));
        assertThat(examples).contains("has(", ".all(", ".exists(", ".exists_one(", ".map(", ".filter(",
                "getDayOfWeek(\"Europe/Berlin\")", "getHours(\"", "duration(\"", "timestamp(\"");
    }

    @Test
    void thePackHeaderAgreesWithTheDocsOnTheMacros() throws Exception {
        String header = Files.readAllLines(PACK).stream().takeWhile(l -> l.startsWith("#")).reduce("", String::concat);
        String examples = String.join("\n", examples(Files.readString(DOCS)));
        assertThat(header).doesNotContain("not enabled");
        for (String macro : List.of("has(", "all(", "exists(", "exists_one(", "map(", "filter(")) {
            assertThat(header).as("the pack header names the enabled macros").contains(macro);
            assertThat(examples).contains(macro);
        }
    }

    /** The lines of the ```cel block after the examples marker, without their // comments. */
    static List<String> examples(String docs) {
        List<String> lines = block(docs, "<!-- cel-examples").lines()
                .map(l -> l.replaceFirst("\\s+//.*$", "").strip()).filter(l -> !l.isEmpty()).toList();
        assertThat(lines).as("documented examples").hasSizeGreaterThan(20);
        return lines;
    }

    /** The body of the first fenced block after {@code marker}. */
    static String block(String docs, String marker) {
        int at = docs.indexOf(marker);
        assertThat(at).as(marker + " in " + DOCS).isNotNegative();
        int open = docs.indexOf("```", at);
        int start = docs.indexOf('\n', open) + 1;
        return docs.substring(start, docs.indexOf("```", start));
    }

    static CloudEvent exampleEvent(String yaml) throws Exception {
        ObjectMapper mapper = new YAMLMapper();
        Fixture.Step step = mapper.readValue(yaml, Fixture.Step.class);
        return new CloudEvent("1.0", step.id(), step.source(), step.type(), step.subject(), OffsetDateTime.parse(step.at()),
                "application/json", null, step.data());
    }

    static String pack(String expression) {
        return """
                pack: docs
                formatVersion: 1
                controls:
                  - id: docs-example
                    title: A documented example
                    criteria: [CC7.2]
                    severity: low
                    event:
                      on: ["*"]
                      violation: '%s'
                """.formatted(expression.replace("'", "''"));
    }
}
