package io.controlwatch.ingest.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;
import com.networknt.schema.path.PathType;
import io.controlwatch.model.CloudEventValidator.Violation;
import io.controlwatch.model.ModelJson;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks the {@code data} of events of known types against the JSON Schemas in shared-model
 * ({@code event-schemas/}, documented in docs/events.md), so a control never meets a malformed payload of a type it
 * tests. Unknown types are accepted as they are: they are stored, and no control applies to them.
 * <p>
 * The schemas are compiled once and applied to the Jackson tree the intake has parsed anyway (networknt's
 * json-schema-validator, draft 2020-12, formats asserted): validating the bench's events costs about a tenth of what
 * the Vert.x validator on a converted copy of every event did (bench/ingest-benchmark.sh).
 */
@ApplicationScoped
public class EventDataSchemas {

    private static final String DIRECTORY = "event-schemas/";
    private static final String BASE_URI = "urn:controlwatch:event-schema:";

    private final Map<String, Schema> schemas = new HashMap<>();

    public EventDataSchemas() {
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
                builder -> builder.schemaRegistryConfig(SchemaRegistryConfig.builder()
                        // "format" is only an annotation in 2020-12 unless asserted: date and date-time are checked
                        .formatAssertionsEnabled(true)
                        .pathType(PathType.JSON_POINTER)
                        .build()));
        for (JsonNode entry : read(DIRECTORY + "index.json").path("types")) {
            String type = entry.path("type").asText();
            Schema schema = registry.getSchema(SchemaLocation.of(BASE_URI + type), read(DIRECTORY + entry.path("schema").asText()));
            // compile every keyword now: a broken schema fails the start, and the first event pays nothing extra
            schema.initializeValidators();
            schemas.put(type, schema);
        }
    }

    /** The event types with a schema. */
    public Set<String> knownTypes() {
        return schemas.keySet();
    }

    /** Problems with an event's data; empty for a valid one, or for an unknown type. */
    public List<Violation> validate(String type, JsonNode data) {
        Schema schema = schemas.get(type);
        if (schema == null) {
            return List.of();
        }
        if (data == null || data.isNull()) {
            return List.of(new Violation("data", "is required for events of type " + type));
        }
        List<Error> errors = schema.validate(data);
        if (errors.isEmpty()) {
            return List.of();
        }
        List<Violation> violations = new ArrayList<>(errors.size());
        for (Error error : errors) {
            String field = field(error.getInstanceLocation());
            if ("required".equals(error.getKeyword()) && error.getProperty() != null) {
                // a missing property is reported on its parent object: name the property itself
                field = field + "." + error.getProperty();
            }
            violations.add(new Violation(field, describe(error) + " (schema of " + type + ", see docs/events.md)"));
        }
        return violations;
    }

    /** The instance's location ({@code /actor/id}, {@code /approvers/0}) as the path a client reads ({@code data.actor.id}). */
    private static String field(NodePath location) {
        StringBuilder field = new StringBuilder("data");
        for (int i = 0; i < location.getNameCount(); i++) {
            field.append('.').append(location.getElement(i));
        }
        return field.toString();
    }

    /**
     * What is wrong, in the words of the other event checks ("is required", "must be …"). Written here rather than
     * taken from the library's message bundle: the keywords the schemas use are few, and the bundle is a classpath
     * resource another jar can shadow (wiremock-standalone ships an older one with other placeholders).
     */
    static String describe(Error error) {
        Object[] arguments = error.getArguments() == null ? new Object[0] : error.getArguments();
        String rule = error.getSchemaNode() == null ? "" : text(error.getSchemaNode());
        String keyword = error.getKeyword() == null ? "" : error.getKeyword();
        return switch (keyword) {
            case "required" -> "is required";
            case "type" -> "must be of type " + rule + (arguments.length > 0 ? ", not " + arguments[0] : "");
            case "enum" -> "must be one of " + rule;
            case "const" -> "must be " + rule;
            case "minLength" -> "must be at least " + rule + " characters long";
            case "maxLength" -> "must be at most " + rule + " characters long";
            case "minimum" -> "must be at least " + rule;
            case "maximum" -> "must be at most " + rule;
            case "minItems" -> "must have at least " + rule + " items";
            case "maxItems" -> "must have at most " + rule + " items";
            case "pattern" -> "must match the pattern " + rule;
            case "format" -> switch (rule) {
                case "date" -> "must be an RFC 3339 full-date, e.g. 2026-11-28";
                case "date-time" -> "must be an RFC 3339 date-time, e.g. 2026-11-28T09:15:00Z";
                default -> "must be a valid " + rule;
            };
            default -> "does not satisfy the schema's '" + keyword + "' rule";
        };
    }

    /** A rule's value as written in the schema: {@code 1}, {@code string}, {@code ["success","failure"]}. */
    private static String text(JsonNode rule) {
        return rule.isValueNode() ? rule.asText() : rule.toString();
    }

    private static JsonNode read(String resource) {
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing " + resource + " (shared-model)");
            }
            return ModelJson.mapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
