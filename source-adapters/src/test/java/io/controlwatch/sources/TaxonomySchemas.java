package io.controlwatch.sources;

import com.fasterxml.jackson.databind.JsonNode;
import io.controlwatch.model.CloudEventValidator;
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

/**
 * What ingest checks an event against, with the same validator library: the CloudEvents attributes
 * ({@link CloudEventValidator}) and the data of known types against shared-model's event-schemas (draft 2020-12).
 */
final class TaxonomySchemas {

    private static final Map<String, Validator> VALIDATORS = new HashMap<>();

    static {
        JsonObject index = new JsonObject(read("event-schemas/index.json"));
        JsonSchemaOptions options = new JsonSchemaOptions().setDraft(Draft.DRAFT202012)
                .setBaseUri("urn:controlwatch:event-schema:").setOutputFormat(OutputFormat.Basic);
        JsonArray types = index.getJsonArray("types");
        for (int i = 0; i < types.size(); i++) {
            JsonObject entry = types.getJsonObject(i);
            VALIDATORS.put(entry.getString("type"),
                    Validator.create(JsonSchema.of(new JsonObject(read("event-schemas/" + entry.getString("schema")))), options));
        }
    }

    private TaxonomySchemas() {
    }

    static Set<String> knownTypes() {
        return VALIDATORS.keySet();
    }

    /** Every problem ingest would report for the event; empty when it would accept it. */
    static List<String> problems(JsonNode event) {
        List<String> problems = new ArrayList<>();
        CloudEventValidator.validate(event).forEach(v -> problems.add(v.field() + ": " + v.message()));
        String type = event.path("type").asText();
        Validator validator = VALIDATORS.get(type);
        if (validator == null) {
            problems.add("type " + type + " has no schema in shared-model event-schemas: no control could use it");
            return problems;
        }
        if (!event.path("data").isObject()) {
            problems.add("data must be an object");
            return problems;
        }
        OutputUnit result = validator.validate(new JsonObject(event.get("data").toString()));
        if (!Boolean.TRUE.equals(result.getValid())) {
            List<OutputUnit> errors = result.getErrors() == null || result.getErrors().isEmpty() ? List.of(result) : result.getErrors();
            errors.forEach(e -> problems.add("data" + e.getInstanceLocation() + ": " + e.getError()));
        }
        if (!event.path("time").isTextual()) {
            problems.add("time is required on every mapped event");
        }
        return problems;
    }

    private static String read(String resource) {
        try (InputStream in = TaxonomySchemas.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
