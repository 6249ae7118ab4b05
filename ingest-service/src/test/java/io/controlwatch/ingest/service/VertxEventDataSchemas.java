package io.controlwatch.ingest.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.controlwatch.model.CloudEventValidator.Violation;
import io.controlwatch.model.ModelJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link EventDataSchemas} as it was until issue 14: the Vert.x JSON Schema validator on a copy of the data converted
 * to maps for every event. Kept only as the reference the current implementation is compared with
 * ({@code EventDataSchemasEquivalenceTest}) and measured against ({@code bench/ingest-benchmark.sh}).
 */
public class VertxEventDataSchemas {

    private static final String DIRECTORY = "event-schemas/";
    private static final Pattern REQUIRED = Pattern.compile("required property \"([^\"]+)\"");

    private final Map<String, Validator> validators = new HashMap<>();

    public VertxEventDataSchemas() {
        JsonObject index = new JsonObject(read(DIRECTORY + "index.json"));
        JsonSchemaOptions options = new JsonSchemaOptions()
                .setDraft(Draft.DRAFT202012)
                .setBaseUri("urn:controlwatch:event-schema:")
                .setOutputFormat(OutputFormat.Basic);
        JsonArray types = index.getJsonArray("types");
        for (int i = 0; i < types.size(); i++) {
            JsonObject entry = types.getJsonObject(i);
            JsonSchema schema = JsonSchema.of(new JsonObject(read(DIRECTORY + entry.getString("schema"))));
            validators.put(entry.getString("type"), Validator.create(schema, options));
        }
    }

    /** The event types with a schema. */
    public Set<String> knownTypes() {
        return validators.keySet();
    }

    /** Problems with an event's data; empty for a valid one, or for an unknown type. */
    public List<Violation> validate(String type, JsonNode data) {
        Validator validator = validators.get(type);
        if (validator == null) {
            return List.of();
        }
        if (data == null || data.isNull()) {
            return List.of(new Violation("data", "is required for events of type " + type));
        }
        Object value = ModelJson.mapper().convertValue(data, Object.class);
        OutputUnit result = validator.validate(value instanceof Map<?, ?> map ? new JsonObject(cast(map)) : value);
        if (Boolean.TRUE.equals(result.getValid())) {
            return List.of();
        }
        List<Violation> violations = new ArrayList<>();
        List<OutputUnit> errors = result.getErrors() == null || result.getErrors().isEmpty() ? List.of(result) : result.getErrors();
        for (OutputUnit error : errors) {
            String field = field(error.getInstanceLocation());
            // a missing property is reported on its parent object: name the property itself
            Matcher missing = REQUIRED.matcher(error.getError() == null ? "" : error.getError());
            if (missing.find()) {
                field = field + "." + missing.group(1);
            }
            violations.add(new Violation(field, describe(type, error.getError())));
        }
        return violations;
    }

    /** JSON pointer of the instance ("/outcome") to the attribute path a client reads ("data.outcome"). */
    private static String field(String instanceLocation) {
        if (instanceLocation == null || instanceLocation.isEmpty() || instanceLocation.equals("#") || instanceLocation.equals("/")) {
            return "data";
        }
        String pointer = instanceLocation.startsWith("#") ? instanceLocation.substring(1) : instanceLocation;
        return "data" + pointer.replace('/', '.');
    }

    private static String describe(String type, String error) {
        return (error == null ? "is not valid" : error) + " (schema of " + type + ", see docs/events.md)";
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> map) {
        return (Map<String, Object>) map;
    }

    private static String read(String resource) {
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing " + resource + " (shared-model)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
