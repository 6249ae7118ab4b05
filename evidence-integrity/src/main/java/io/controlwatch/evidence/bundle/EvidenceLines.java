package io.controlwatch.evidence.bundle;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.controlwatch.evidence.ChainLink;
import io.controlwatch.evidence.EvidenceRow;
import io.controlwatch.evidence.Sha256;
import io.controlwatch.evidence.StoredExecution;
import io.controlwatch.evidence.internal.Json;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The JSON Lines forms of {@code executions.jsonl} (one stored execution per line) and {@code evidence-chain.jsonl}
 * (one link per line). Field names are the row's component names; times are ISO-8601 UTC to the microsecond; digests
 * lower-case hex. Readers are strict: an unknown field is an error, because a verifier that skipped fields could not
 * promise that what an auditor reads is what was chained.
 */
public final class EvidenceLines {

    static final Set<String> ROW_FIELDS = Set.of("partition", "offset", "executionId", "controlId", "controlVersion",
            "criteria", "severity", "result", "reason", "message", "subject", "eventId", "eventSource", "eventType",
            "eventTime", "ingestTime", "evaluatedAt", "pack", "packVersion", "evidenceEventIds", "late", "backfilled",
            "submitter", "exemptionId", "rowDigest", "chainHead", "recordedAt");
    static final Set<String> LINK_FIELDS = Set.of("partition", "offset", "eventTime", "controlId", "rowDigest",
            "chainHead");
    /** Most ids in one list field; far above any control's evidence, and it bounds a hostile line. */
    static final int MAX_LIST = 100_000;

    private EvidenceLines() {
    }

    /** Writes one stored execution as a JSON object (no newline). */
    public static void writeExecution(JsonGenerator g, StoredExecution stored) throws IOException {
        EvidenceRow r = stored.row();
        g.writeStartObject();
        g.writeNumberField("partition", stored.partition());
        g.writeNumberField("offset", stored.offset());
        g.writeStringField("executionId", r.executionId());
        g.writeStringField("controlId", r.controlId());
        g.writeStringField("controlVersion", r.controlVersion());
        writeList(g, "criteria", r.criteria());
        g.writeStringField("severity", r.severity());
        g.writeStringField("result", r.result());
        g.writeStringField("reason", r.reason());
        g.writeStringField("message", r.message());
        g.writeStringField("subject", r.subject());
        g.writeStringField("eventId", r.eventId());
        g.writeStringField("eventSource", r.eventSource());
        g.writeStringField("eventType", r.eventType());
        g.writeStringField("eventTime", r.eventTime().toString());
        g.writeStringField("ingestTime", r.ingestTime().toString());
        g.writeStringField("evaluatedAt", r.evaluatedAt().toString());
        g.writeStringField("pack", r.pack());
        g.writeStringField("packVersion", r.packVersion());
        writeList(g, "evidenceEventIds", r.evidenceEventIds());
        g.writeBooleanField("late", r.late());
        g.writeBooleanField("backfilled", r.backfilled());
        g.writeStringField("submitter", r.submitter());
        g.writeStringField("exemptionId", r.exemptionId());
        if (stored.recordedDigest() != null) {
            g.writeStringField("rowDigest", stored.recordedDigest().hex());
        }
        if (stored.recordedHead() != null) {
            g.writeStringField("chainHead", stored.recordedHead().hex());
        }
        if (stored.recordedAt() != null) {
            g.writeStringField("recordedAt", stored.recordedAt().toString());
        }
        g.writeEndObject();
    }

    /** Writes one link as a JSON object (no newline). */
    public static void writeLink(JsonGenerator g, ChainLink link) throws IOException {
        g.writeStartObject();
        g.writeNumberField("partition", link.partition());
        g.writeNumberField("offset", link.offset());
        g.writeStringField("eventTime", link.eventTime().toString());
        g.writeStringField("controlId", link.controlId());
        g.writeStringField("rowDigest", link.rowDigest().hex());
        if (link.recordedHead() != null) {
            g.writeStringField("chainHead", link.recordedHead().hex());
        }
        g.writeEndObject();
    }

    /** Reads a stored execution; fails with a message naming the field on anything malformed. */
    public static StoredExecution readExecution(JsonNode node) {
        Json.onlyFields(node, "execution", ROW_FIELDS);
        EvidenceRow row = new EvidenceRow(Json.text(node, "executionId"), Json.text(node, "controlId"),
                Json.text(node, "controlVersion"), list(node, "criteria"), Json.text(node, "severity"),
                Json.text(node, "result"), Json.textOrNull(node, "reason"), Json.textOrNull(node, "message"),
                Json.textOrNull(node, "subject"), Json.text(node, "eventId"), Json.text(node, "eventSource"),
                Json.text(node, "eventType"), exact(node, "eventTime"), exact(node, "ingestTime"),
                exact(node, "evaluatedAt"), Json.textOrNull(node, "pack"), Json.textOrNull(node, "packVersion"),
                list(node, "evidenceEventIds"), Json.bool(node, "late"), Json.bool(node, "backfilled"),
                Json.textOrNull(node, "submitter"), Json.textOrNull(node, "exemptionId"));
        return new StoredExecution(Json.int32(node, "partition"), Json.integer(node, "offset"), row,
                digestOrNull(node, "rowDigest"), digestOrNull(node, "chainHead"),
                Json.instantOrNull(node, "recordedAt"));
    }

    /** Reads a link. */
    public static ChainLink readLink(JsonNode node) {
        Json.onlyFields(node, "link", LINK_FIELDS);
        return new ChainLink(Json.int32(node, "partition"), Json.integer(node, "offset"), exact(node, "eventTime"),
                Json.text(node, "controlId"), Sha256.fromHex(Json.text(node, "rowDigest")),
                digestOrNull(node, "chainHead"));
    }

    private static void writeList(JsonGenerator g, String field, List<String> values) throws IOException {
        g.writeArrayFieldStart(field);
        for (String v : values) {
            g.writeString(v);
        }
        g.writeEndArray();
    }

    private static List<String> list(JsonNode node, String field) {
        JsonNode array = node.get(field);
        if (array == null || !array.isArray() || array.size() > MAX_LIST) {
            throw new IllegalArgumentException("'" + field + "' must be an array of at most " + MAX_LIST + " strings");
        }
        List<String> values = new ArrayList<>(array.size());
        for (JsonNode v : array) {
            if (!v.isTextual()) {
                throw new IllegalArgumentException("'" + field + "' must hold strings only");
            }
            values.add(v.textValue());
        }
        return values;
    }

    /** A time that must survive as written: sub-microsecond digits would be dropped, so they are refused. */
    private static Instant exact(JsonNode node, String field) {
        Instant t = Json.instant(node, field);
        if (t.getNano() % 1000 != 0) {
            throw new IllegalArgumentException("'" + field + "' has sub-microsecond digits");
        }
        return t;
    }

    private static Sha256 digestOrNull(JsonNode node, String field) {
        String hex = Json.textOrNull(node, field);
        return hex == null ? null : Sha256.fromHex(hex);
    }
}
