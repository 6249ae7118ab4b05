package io.controlwatch.ingest.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.model.CloudEventValidator.Violation;
import io.controlwatch.model.ModelJson;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The validator ingest uses answers what the Vert.x validator it replaced ({@link VertxEventDataSchemas}) answered:
 * for every schema of the index, a valid payload, the payload without each property, and each property (top level
 * and inside arrays) replaced by values of every JSON type and by edge values (empty strings, negative, fractional
 * and huge numbers, well-formed and malformed dates) are accepted or refused alike, and the refused ones name the
 * same fields. The one difference allowed: Vert.x also named an array whose item was wrong ({@code data.approvers}
 * beside {@code data.approvers.0}); now only the item is named.
 * <p>
 * Not compared here, because the new validator is deliberately stricter: date-times that only look like one
 * (month 13, February 30, hour 24, offset +25:00), which Vert.x let through ({@code EventDataSchemasTest} pins them).
 */
class EventDataSchemasEquivalenceTest {

    static final ObjectMapper JSON = ModelJson.mapper();
    static final EventDataSchemas SCHEMAS = new EventDataSchemas();
    static final VertxEventDataSchemas BEFORE = new VertxEventDataSchemas();

    static final List<String> VALUES = List.of("\"\"", "\"x\"", "-1", "0", "1", "65536", "1.5", "1.0", "1e2",
            "12345678901234567890", "true", "null", "{}", "[]", "[1]", "[\"a\"]", "[\"a\",null]", "\"2026-01-01\"",
            "\"2024-02-29\"", "\"2026-02-29\"", "\"2026-1-1\"", "\"2026-01-01T00:00:00Z\"", "\"2026-01-01T00:00:00.5+01:00\"",
            "\"2016-12-31T23:59:60Z\"", "\"2026-01-01t00:00:00z\"", "\"2026-01-01T00:00Z\"", "\"2026-01-01T00:00:00\"",
            "\"20260101\"");

    @Test
    void acceptsAndRefusesWhatTheVertxValidatorDidNamingTheSameFields() throws IOException {
        List<String> differences = new ArrayList<>();
        int cases = 0;
        for (JsonNode entry : read("event-schemas/index.json").path("types")) {
            String type = entry.path("type").asText();
            JsonNode schema = read("event-schemas/" + entry.path("schema").asText());
            for (JsonNode data : cases(schema)) {
                cases++;
                Set<String> before = fields(BEFORE.validate(type, data));
                Set<String> now = fields(SCHEMAS.validate(type, data));
                // an array named beside its wrong item is the one thing Vert.x said that is no longer said
                before.removeIf(field -> !now.contains(field) && now.stream().anyMatch(f -> f.startsWith(field + ".")));
                if (!before.equals(now)) {
                    differences.add(type + " " + data + ": before " + before + ", now " + now);
                }
            }
        }
        assertThat(cases).isGreaterThan(5_000);
        assertThat(differences).isEmpty();
    }

    /** The schema's valid example, then each property missing or replaced by each of {@link #VALUES}. */
    static List<JsonNode> cases(JsonNode schema) throws IOException {
        ObjectNode valid = JSON.createObjectNode();
        schema.path("properties").fields().forEachRemaining(p -> valid.set(p.getKey(), example(p.getValue())));
        List<JsonNode> cases = new ArrayList<>(List.of(valid, JSON.readTree("\"x\""), JSON.readTree("[]"),
                JSON.readTree("1"), JSON.createObjectNode()));
        for (Iterator<String> names = schema.path("properties").fieldNames(); names.hasNext(); ) {
            String name = names.next();
            ObjectNode missing = valid.deepCopy();
            missing.remove(name);
            cases.add(missing);
            for (String value : VALUES) {
                ObjectNode replaced = valid.deepCopy();
                replaced.set(name, JSON.readTree(value));
                cases.add(replaced);
                if (schema.path("properties").path(name).has("items")) {
                    ObjectNode inArray = valid.deepCopy();
                    inArray.putArray(name).add("ok").add(JSON.readTree(value));
                    cases.add(inArray);
                }
            }
        }
        return cases;
    }

    /** A value the property's schema accepts. */
    static JsonNode example(JsonNode property) {
        if (property.has("enum")) {
            return property.get("enum").get(0);
        }
        return switch (property.path("type").asText()) {
            case "integer" -> JSON.getNodeFactory().numberNode(property.path("minimum").asInt(0) + 1);
            case "number" -> JSON.getNodeFactory().numberNode(1.5);
            case "boolean" -> JSON.getNodeFactory().booleanNode(true);
            case "array" -> JSON.createArrayNode().add("a");
            case "object" -> JSON.createObjectNode();
            default -> JSON.getNodeFactory().textNode(switch (property.path("format").asText()) {
                case "date" -> "2026-05-01";
                case "date-time" -> "2026-05-01T10:00:00Z";
                default -> "v";
            });
        };
    }

    static Set<String> fields(List<Violation> violations) {
        return violations.stream().map(Violation::field).collect(Collectors.toCollection(TreeSet::new));
    }

    static JsonNode read(String resource) throws IOException {
        try (InputStream in = EventDataSchemasEquivalenceTest.class.getClassLoader().getResourceAsStream(resource)) {
            return JSON.readTree(in);
        }
    }
}
