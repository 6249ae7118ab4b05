package io.controlwatch.evidence.bundle;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.controlwatch.evidence.Sha256;
import io.controlwatch.evidence.internal.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * {@code manifest.json}: what the bundle holds and how to check it. {@code manifest.sig} is the Ed25519 signature of
 * the manifest's exact bytes, base64. See docs/auditors.md for every field.
 *
 * @param periodFrom  first instant of the period (event time, inclusive)
 * @param periodTo    end of the period (exclusive)
 * @param controls    controls in scope (empty: all); rows of other controls are links
 * @param criteria    the criteria the export was asked for (informational: {@code controls} already resolves them)
 * @param checkpoints where the signed checkpoints covering the period are
 * @param counts      records per file (lines of a JSON Lines file, rows of a CSV file without its header)
 * @param files       SHA-256 of every other file of the bundle
 * @param signingKey  fingerprint of the key that signed the manifest
 */
public record Manifest(Instant periodFrom, Instant periodTo, Instant generatedAt, String generatedBy,
                       List<String> controls, List<String> criteria, String topic, CheckpointRange checkpoints,
                       SortedMap<String, Long> counts, SortedMap<String, Sha256> files, String signingKey) {

    public static final String FORMAT = "cw-evidence-bundle-1";
    private static final Set<String> FIELDS = Set.of("format", "period", "generatedAt", "generatedBy", "scope",
            "topic", "checkpoints", "counts", "files", "signingKey");
    private static final int MAX_FILES = 1000;
    private static final int MAX_SCOPE = 100_000;

    /**
     * The checkpoints file and its range.
     *
     * @param fromGenesis true when the exported chain starts at the beginning of every partition's chain rather than
     *                    at the first checkpoint of the file
     */
    public record CheckpointRange(String file, boolean fromGenesis, long first, long last, long count) {
    }

    public Manifest {
        Objects.requireNonNull(periodFrom, "periodFrom");
        Objects.requireNonNull(periodTo, "periodTo");
        if (!periodFrom.isBefore(periodTo)) {
            throw new IllegalArgumentException("the period must end after it starts");
        }
        // to the microsecond, as every other time of the evidence
        generatedAt = Objects.requireNonNull(generatedAt, "generatedAt").truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        controls = List.copyOf(controls);
        criteria = List.copyOf(criteria);
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(checkpoints, "checkpoints");
        counts = new TreeMap<>(counts);
        files = new TreeMap<>(files);
        Objects.requireNonNull(signingKey, "signingKey");
    }

    /** The manifest's bytes (UTF-8 JSON, indented for people to read; the signature covers these exact bytes). */
    public byte[] toBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out).useDefaultPrettyPrinter()) {
            g.writeStartObject();
            g.writeStringField("format", FORMAT);
            g.writeObjectFieldStart("period");
            g.writeStringField("from", periodFrom.toString());
            g.writeStringField("to", periodTo.toString());
            g.writeEndObject();
            g.writeStringField("generatedAt", generatedAt.toString());
            g.writeStringField("generatedBy", generatedBy);
            g.writeObjectFieldStart("scope");
            writeStrings(g, "controls", controls);
            writeStrings(g, "criteria", criteria);
            g.writeEndObject();
            g.writeStringField("topic", topic);
            g.writeObjectFieldStart("checkpoints");
            g.writeStringField("file", checkpoints.file());
            g.writeBooleanField("fromGenesis", checkpoints.fromGenesis());
            g.writeNumberField("first", checkpoints.first());
            g.writeNumberField("last", checkpoints.last());
            g.writeNumberField("count", checkpoints.count());
            g.writeEndObject();
            g.writeObjectFieldStart("counts");
            for (Map.Entry<String, Long> c : counts.entrySet()) {
                g.writeNumberField(c.getKey(), c.getValue());
            }
            g.writeEndObject();
            g.writeObjectFieldStart("files");
            for (Map.Entry<String, Sha256> f : files.entrySet()) {
                g.writeStringField(f.getKey(), f.getValue().hex());
            }
            g.writeEndObject();
            g.writeStringField("signingKey", signingKey);
            g.writeEndObject();
            g.writeRaw('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Parses a manifest strictly. */
    public static Manifest parse(byte[] bytes) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException("manifest.json is not JSON: " + e.getMessage());
        }
        Json.onlyFields(node, "manifest", FIELDS);
        if (!FORMAT.equals(Json.text(node, "format"))) {
            throw new IllegalArgumentException("manifest format is not " + FORMAT);
        }
        JsonNode period = node.get("period");
        Json.onlyFields(period, "period", Set.of("from", "to"));
        JsonNode scope = node.get("scope");
        Json.onlyFields(scope, "scope", Set.of("controls", "criteria"));
        JsonNode cps = node.get("checkpoints");
        Json.onlyFields(cps, "checkpoints", Set.of("file", "fromGenesis", "first", "last", "count"));
        CheckpointRange range = new CheckpointRange(Json.text(cps, "file"), Json.bool(cps, "fromGenesis"),
                Json.integer(cps, "first"), Json.integer(cps, "last"), Json.integer(cps, "count"));
        SortedMap<String, Long> counts = new TreeMap<>();
        JsonNode countsNode = node.get("counts");
        Json.requireObject(countsNode, "counts");
        for (Iterator<Map.Entry<String, JsonNode>> it = countsNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            counts.put(e.getKey(), Json.integer(countsNode, e.getKey()));
        }
        SortedMap<String, Sha256> files = new TreeMap<>();
        JsonNode filesNode = node.get("files");
        Json.requireObject(filesNode, "files");
        if (filesNode.size() > MAX_FILES || countsNode.size() > MAX_FILES) {
            throw new IllegalArgumentException("more than " + MAX_FILES + " files");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = filesNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            files.put(e.getKey(), Sha256.fromHex(Json.text(filesNode, e.getKey())));
        }
        return new Manifest(Json.instant(period, "from"), Json.instant(period, "to"), Json.instant(node, "generatedAt"),
                Json.textOrNull(node, "generatedBy"), strings(scope, "controls"), strings(scope, "criteria"),
                Json.text(node, "topic"), range, counts, files, Json.text(node, "signingKey"));
    }

    private static void writeStrings(JsonGenerator g, String field, List<String> values) throws IOException {
        g.writeArrayFieldStart(field);
        for (String v : values) {
            g.writeString(v);
        }
        g.writeEndArray();
    }

    private static List<String> strings(JsonNode node, String field) {
        JsonNode array = node.get(field);
        if (array == null || !array.isArray() || array.size() > MAX_SCOPE) {
            throw new IllegalArgumentException("'" + field + "' must be an array of at most " + MAX_SCOPE);
        }
        List<String> values = new ArrayList<>();
        for (JsonNode v : array) {
            if (!v.isTextual()) {
                throw new IllegalArgumentException("'" + field + "' must hold strings");
            }
            values.add(v.textValue());
        }
        return values;
    }
}
