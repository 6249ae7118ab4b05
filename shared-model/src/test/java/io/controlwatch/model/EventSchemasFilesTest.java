package io.controlwatch.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The event schemas the ingest service validates {@code data} against: {@code event-schemas/index.json} must list
 * exactly the schema files beside it, each a JSON Schema of an object whose required fields it describes.
 * The types and fields themselves are documented in {@code docs/events.md}.
 */
class EventSchemasFilesTest {

    static final String DIRECTORY = "event-schemas";
    static final String SUFFIX = ".schema.json";
    static final ObjectMapper JSON = new ObjectMapper();

    static Path directory() throws URISyntaxException {
        URL index = EventSchemasFilesTest.class.getClassLoader().getResource(DIRECTORY + "/index.json");
        assertNotNull(index, DIRECTORY + "/index.json is not on the classpath");
        return Path.of(index.toURI()).getParent();
    }

    static JsonNode read(Path file) throws IOException {
        try {
            return JSON.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            return fail(file.getFileName() + " is not valid JSON: " + e.getOriginalMessage());
        }
    }

    @Test
    void theIndexListsExactlyTheSchemaFilesEachNamedAfterItsType() throws Exception {
        Path dir = directory();
        JsonNode types = read(dir.resolve("index.json")).path("types");
        assertTrue(types.isArray() && !types.isEmpty(), "index.json needs a non-empty 'types' array");

        Set<String> listed = new TreeSet<>();
        for (JsonNode entry : types) {
            String type = entry.path("type").asText("");
            String schema = entry.path("schema").asText("");
            assertEquals(type + SUFFIX, schema, "index entry " + entry + ": the schema file is named after its type");
            assertTrue(listed.add(schema), "index.json lists " + schema + " twice");
        }
        Set<String> files = new TreeSet<>();
        try (Stream<Path> list = Files.list(dir)) {
            list.map(p -> p.getFileName().toString()).filter(name -> !name.equals("index.json")).forEach(files::add);
        }
        Set<String> unlisted = new TreeSet<>(files);
        unlisted.removeAll(listed);
        Set<String> withoutFile = new TreeSet<>(listed);
        withoutFile.removeAll(files);
        assertTrue(unlisted.isEmpty() && withoutFile.isEmpty(), "index.json must list exactly the schema files in "
                + DIRECTORY + ": files not listed " + unlisted + ", listed without a file " + withoutFile);
    }

    @Test
    void everySchemaIsAnObjectSchemaWhoseRequiredFieldsAreDescribed() throws Exception {
        List<String> problems = new ArrayList<>();
        try (Stream<Path> list = Files.list(directory())) {
            for (Path file : list.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().toList()) {
                JsonNode schema = read(file);
                String name = file.getFileName().toString();
                if (!"https://json-schema.org/draft/2020-12/schema".equals(schema.path("$schema").asText())) {
                    problems.add(name + ": $schema must be draft 2020-12");
                }
                if (!"object".equals(schema.path("type").asText())) {
                    problems.add(name + ": \"type\" must be \"object\" (it describes an event's data)");
                }
                if (!schema.path("additionalProperties").asBoolean(false)) {
                    problems.add(name + ": additionalProperties must be true (sources may send more fields)");
                }
                JsonNode properties = schema.path("properties");
                for (JsonNode required : schema.path("required")) {
                    if (!properties.has(required.asText())) {
                        problems.add(name + ": required field '" + required.asText() + "' has no entry in properties");
                    }
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }
}
