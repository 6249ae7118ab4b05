package io.controlwatch.sources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Every vendor fixture, one test each: {@code <kind>/<event>.json} is the payload as the vendor publishes it (origins
 * in ORIGINS.md), {@code <event>.expected.json} beside it holds the delivery (headers, time received, source options)
 * and exactly the outcome and ControlWatch events the adapter must produce. Every expected event must be one ingest
 * accepts: valid CloudEvents attributes and data valid against the taxonomy's JSON Schema of its type. Delivering the
 * same payload again must give the same ids (ingest deduplicates by id).
 *
 * <p>{@code -Dfixtures.write=true} rewrites the expected outcomes from what the adapters produce, for review in the diff.
 */
class AdapterFixturesTest {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final String SOURCE_ID = "src-fixtures";

    /** The source tree, so that -Dfixtures.write=true updates the files under version control. */
    static Path root() {
        return Path.of("src/test/resources");
    }

    static List<Path> payloads() throws IOException {
        List<Path> payloads = new ArrayList<>();
        for (SourceKind kind : SourceKind.values()) {
            Path dir = root().resolve(kind.wireName());
            if (Files.isDirectory(dir)) {
                try (Stream<Path> files = Files.list(dir)) {
                    files.filter(p -> p.toString().endsWith(".json") && !p.toString().endsWith(".expected.json"))
                            .sorted().forEach(payloads::add);
                }
            }
        }
        return payloads;
    }

    @TestFactory
    Stream<DynamicTest> everyVendorFixtureMapsToItsExpectedEvents() throws Exception {
        return payloads().stream().map(payload -> DynamicTest.dynamicTest(
                payload.getParent().getFileName() + "/" + payload.getFileName(), () -> check(payload)));
    }

    @Test
    void thereAreFixturesForEveryVendorKind() throws Exception {
        Map<String, Integer> perKind = new HashMap<>();
        for (Path payload : payloads()) {
            perKind.merge(payload.getParent().getFileName().toString(), 1, Integer::sum);
        }
        assertThat(perKind).containsKeys("aws-cloudtrail", "github", "okta", "kubernetes-audit");
    }

    static void check(Path payload) throws IOException {
        String name = payload.getFileName().toString().replaceFirst("\\.json$", "");
        Path expectedFile = payload.resolveSibling(name + ".expected.json");
        if (!Files.exists(expectedFile)) {
            fail(expectedFile.getFileName() + " is missing: every fixture needs its expected outcome");
        }
        ObjectNode expected = (ObjectNode) JSON.readTree(expectedFile.toFile());
        SourceKind kind = SourceKind.fromWireName(payload.getParent().getFileName().toString()).orElseThrow();
        Delivery delivery = delivery(kind, expected.path("delivery"), Files.readAllBytes(payload));

        SourceAdapters adapters = new SourceAdapters(AdapterLimits.DEFAULT, new InMemoryAdapterStateStore());
        AdapterOutcome outcome = adapters.map(delivery);
        AdapterOutcome again = adapters.map(delivery);

        if (Boolean.getBoolean("fixtures.write")) {
            write(expectedFile, expected, outcome);
            return;
        }
        switch (expected.path("outcome").asText()) {
            case "mapped" -> {
                assertThat(outcome).isInstanceOf(AdapterOutcome.Mapped.class);
                AdapterOutcome.Mapped mapped = (AdapterOutcome.Mapped) outcome;
                List<JsonNode> expectedEvents = new ArrayList<>();
                expected.path("events").forEach(expectedEvents::add);
                assertThat((JsonNode) JSON.valueToTree(mapped.events())).as("events of " + payload.getFileName())
                        .isEqualTo((JsonNode) JSON.valueToTree(expectedEvents));
                assertThat(mapped.skipped()).as("skipped vendor events").isEqualTo(expected.path("skipped").asInt());
                for (JsonNode event : expectedEvents) {
                    assertThat(TaxonomySchemas.problems(event)).as("what ingest would say about " + event.path("id")).isEmpty();
                }
                assertThat(ids(again)).as("a redelivery yields the same ids").isEqualTo(ids(outcome));
            }
            case "unsupported" -> assertThat(outcome).isEqualTo(new AdapterOutcome.Unsupported(expected.path("unsupported").asText()));
            case "malformed" -> {
                assertThat(outcome).isInstanceOf(AdapterOutcome.Malformed.class);
                assertThat(((AdapterOutcome.Malformed) outcome).reason()).contains(expected.path("malformed").asText());
            }
            default -> fail(expectedFile.getFileName() + ": outcome must be mapped, unsupported or malformed");
        }
    }

    static Delivery delivery(SourceKind kind, JsonNode spec, byte[] body) {
        Map<String, String> headers = new HashMap<>();
        spec.path("headers").fields().forEachRemaining(e -> headers.put(e.getKey(), e.getValue().asText()));
        Instant receivedAt = Instant.parse(spec.path("receivedAt").asText("2026-03-02T10:15:00Z"));
        JsonNode options = spec.has("options") ? spec.get("options") : JsonNodeFactory.instance.objectNode();
        return new Delivery(new Source(SOURCE_ID, kind, options), DeliveryHeaders.of(headers), body, receivedAt);
    }

    static List<String> ids(AdapterOutcome outcome) {
        List<String> ids = new ArrayList<>();
        if (outcome instanceof AdapterOutcome.Mapped mapped) {
            mapped.events().forEach(e -> ids.add(e.path("id").asText()));
        }
        return ids;
    }

    static void write(Path file, ObjectNode expected, AdapterOutcome outcome) throws IOException {
        ObjectNode result = JsonNodeFactory.instance.objectNode();
        result.set("delivery", expected.path("delivery"));
        if (outcome instanceof AdapterOutcome.Mapped mapped) {
            result.put("outcome", "mapped").put("skipped", mapped.skipped());
            ArrayNode events = result.putArray("events");
            mapped.events().forEach(events::add);
        } else if (outcome instanceof AdapterOutcome.Unsupported unsupported) {
            result.put("outcome", "unsupported").put("unsupported", unsupported.vendorEventType());
        } else {
            result.put("outcome", "malformed").put("malformed", ((AdapterOutcome.Malformed) outcome).reason());
        }
        Files.writeString(file, JSON.writeValueAsString(result) + "\n");
    }
}
