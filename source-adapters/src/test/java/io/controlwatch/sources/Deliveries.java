package io.controlwatch.sources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.model.ModelJson;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Building deliveries and reading outcomes in the mapping tests. */
final class Deliveries {

    static final Instant RECEIVED = Instant.parse("2026-03-02T10:15:00Z");

    private Deliveries() {
    }

    static Delivery delivery(SourceKind kind, String options, Map<String, String> headers, String body) {
        return new Delivery(new Source("src-1", kind, json(options)), DeliveryHeaders.of(headers),
                body.getBytes(StandardCharsets.UTF_8), RECEIVED);
    }

    static JsonNode json(String text) {
        try {
            return ModelJson.mapper().readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The events of a mapped outcome, each checked to be one ingest accepts. */
    static List<ObjectNode> events(AdapterOutcome outcome) {
        assertThat(outcome).isInstanceOf(AdapterOutcome.Mapped.class);
        List<ObjectNode> events = ((AdapterOutcome.Mapped) outcome).events();
        for (ObjectNode event : events) {
            assertThat(TaxonomySchemas.problems(event)).as(event.toString()).isEmpty();
        }
        return events;
    }

    static ObjectNode single(AdapterOutcome outcome) {
        List<ObjectNode> events = events(outcome);
        assertThat(events).hasSize(1);
        return events.get(0);
    }
}
