package io.controlwatch.ingest.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import io.controlwatch.model.ModelJson;

import org.junit.jupiter.api.Test;

/** Every event of the demo's story (deploy/local/demo-story.sh) is one ingest accepts: its data matches its type's schema. */
class DemoStorySchemasTest {

    @Test
    void everyStoryEventMatchesItsSchema() throws Exception {
        EventDataSchemas schemas = new EventDataSchemas();
        List<String> problems = new ArrayList<>();
        int events = 0;
        for (String phase : List.of("1", "2")) {
            ProcessBuilder pb = new ProcessBuilder("bash", Path.of("..", "deploy", "local", "demo-story.sh").toString(), phase);
            pb.environment().put("CW_DEMO_NOW", "1796395043");
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).isZero();
            for (String line : out.split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                events++;
                JsonNode e = ModelJson.mapper().readTree(line);
                String type = e.path("type").asText();
                assertThat(schemas.knownTypes()).as("a type with a schema").contains(type);
                assertThat(e.path("source").asText()).doesNotStartWith("urn:controlwatch:");
                schemas.validate(type, e.get("data")).forEach(v -> problems.add(type + ": " + v));
            }
        }
        assertThat(events).isGreaterThan(60);
        assertThat(problems).isEmpty();
    }
}
