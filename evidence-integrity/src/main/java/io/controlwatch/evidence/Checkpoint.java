package io.controlwatch.evidence;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.controlwatch.evidence.internal.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The heads of every partition's chain at one moment, numbered, linked to the checkpoint before it and signed
 * ({@link SignedCheckpoint}). A signed checkpoint published outside PostgreSQL (a compacted Kafka topic) is what makes
 * a rewrite of the evidence tables detectable.
 *
 * <p>Canonical JSON (the signed bytes; fields in this order, no spaces, times as {@link Instant#toString()} to the
 * microsecond, hashes in lower-case hex):
 * <pre>{"format":"cw-checkpoint-1","sequence":7,"topic":"cw.executions.v1","createdAt":"…","previous":"…"|null,
 * "keyId":"…","partitions":[{"partition":0,"offset":41,"count":40,"head":"…","maxEventTime":"…"|null},…]}</pre>
 *
 * @param sequence   1 for the first checkpoint, then +1 each
 * @param previous   SHA-256 of the previous checkpoint's canonical JSON; null only for sequence 1
 * @param keyId      fingerprint of the key that signs it
 * @param partitions one head per partition, ordered by partition; a partition once present never disappears
 */
public record Checkpoint(long sequence, String topic, Instant createdAt, Sha256 previous, String keyId,
                         List<ChainHead> partitions) {

    public static final String FORMAT = "cw-checkpoint-1";
    /** More partitions than any executions topic will have; bounds what a verifier reads. */
    public static final int MAX_PARTITIONS = 10_000;

    static final Set<String> FIELDS = Set.of("format", "sequence", "topic", "createdAt", "previous", "keyId",
            "partitions");
    private static final Set<String> HEAD_FIELDS = Set.of("partition", "offset", "count", "head", "maxEventTime");

    public Checkpoint {
        if (sequence < 1) {
            throw new IllegalArgumentException("checkpoint sequences start at 1");
        }
        if ((sequence == 1) != (previous == null)) {
            throw new IllegalArgumentException("only checkpoint 1 has no previous checkpoint");
        }
        EvidenceChain.requireTopic(topic);
        createdAt = Objects.requireNonNull(createdAt, "createdAt").truncatedTo(ChronoUnit.MICROS);
        Objects.requireNonNull(keyId, "keyId");
        if (!keyId.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("keyId is not a lower-case hex SHA-256 fingerprint");
        }
        List<ChainHead> sorted = new ArrayList<>(Objects.requireNonNull(partitions, "partitions"));
        sorted.sort(Comparator.comparingInt(ChainHead::partition));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).partition() == sorted.get(i - 1).partition()) {
                throw new IllegalArgumentException("partition " + sorted.get(i).partition() + " appears twice");
            }
        }
        if (sorted.size() > MAX_PARTITIONS) {
            throw new IllegalArgumentException("more than " + MAX_PARTITIONS + " partitions");
        }
        partitions = List.copyOf(sorted);
    }

    /**
     * The checkpoint after {@code previous} (null for the first), signed with {@code key}. Refuses heads that drop a
     * partition or go back: a signed regression would be a lie the service tells itself.
     */
    public static SignedCheckpoint next(SignedCheckpoint previous, String topic, Instant createdAt,
                                        Collection<ChainHead> heads, SigningKey key) {
        Map<Integer, ChainHead> byPartition = new TreeMap<>();
        heads.forEach(h -> byPartition.put(h.partition(), h));
        if (previous != null) {
            Checkpoint before = previous.checkpoint();
            if (!before.topic().equals(topic)) {
                throw new IllegalArgumentException("topic changed from " + before.topic() + " to " + topic);
            }
            for (ChainHead old : before.partitions()) {
                ChainHead now = byPartition.get(old.partition());
                if (now == null || now.count() < old.count() || now.offset() < old.offset()) {
                    throw new IllegalArgumentException("partition " + old.partition() + " would go back from count "
                            + old.count() + " at checkpoint " + before.sequence());
                }
            }
        }
        Checkpoint checkpoint = new Checkpoint(previous == null ? 1 : previous.checkpoint().sequence() + 1, topic,
                createdAt, previous == null ? null : previous.checkpoint().hash(), key.keyId(),
                List.copyOf(byPartition.values()));
        return checkpoint.sign(key);
    }

    /** The head of a partition, if the checkpoint has one. */
    public Optional<ChainHead> head(int partition) {
        for (ChainHead h : partitions) {
            if (h.partition() == partition) {
                return Optional.of(h);
            }
        }
        return Optional.empty();
    }

    /** The signed bytes. */
    public byte[] canonicalBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + 160 * partitions.size());
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
            writeFields(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** SHA-256 of the canonical JSON: what the next checkpoint's {@code previous} holds. */
    public Sha256 hash() {
        return Sha256.hash(canonicalBytes());
    }

    /** Signs with {@code key}, which must be the key this checkpoint names. */
    public SignedCheckpoint sign(SigningKey key) {
        if (!key.keyId().equals(keyId)) {
            throw new IllegalArgumentException("checkpoint names key " + keyId + ", not " + key.keyId());
        }
        return new SignedCheckpoint(this, key.sign(canonicalBytes()));
    }

    /** Writes the opening brace and every field; the caller may add the signature before closing. */
    void writeFields(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("format", FORMAT);
        g.writeNumberField("sequence", sequence);
        g.writeStringField("topic", topic);
        g.writeStringField("createdAt", createdAt.toString());
        if (previous == null) {
            g.writeNullField("previous");
        } else {
            g.writeStringField("previous", previous.hex());
        }
        g.writeStringField("keyId", keyId);
        g.writeArrayFieldStart("partitions");
        for (ChainHead h : partitions) {
            g.writeStartObject();
            g.writeNumberField("partition", h.partition());
            g.writeNumberField("offset", h.offset());
            g.writeNumberField("count", h.count());
            g.writeStringField("head", h.head().hex());
            if (h.maxEventTime() == null) {
                g.writeNullField("maxEventTime");
            } else {
                g.writeStringField("maxEventTime", h.maxEventTime().toString());
            }
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /** Reads the checkpoint fields of a JSON object (strictly: wrong or missing fields fail). */
    static Checkpoint fromJson(JsonNode node) {
        if (!FORMAT.equals(Json.text(node, "format"))) {
            throw new IllegalArgumentException("not a " + FORMAT + " checkpoint");
        }
        JsonNode parts = node.get("partitions");
        if (parts == null || !parts.isArray() || parts.size() > MAX_PARTITIONS) {
            throw new IllegalArgumentException("'partitions' must be an array of at most " + MAX_PARTITIONS);
        }
        List<ChainHead> heads = new ArrayList<>(parts.size());
        for (JsonNode p : parts) {
            Json.onlyFields(p, "checkpoint partition", HEAD_FIELDS);
            Instant max = Json.instantOrNull(p, "maxEventTime");
            heads.add(new ChainHead(Json.int32(p, "partition"), Json.integer(p, "offset"), Json.integer(p, "count"),
                    Sha256.fromHex(Json.text(p, "head")), max));
        }
        String previous = Json.textOrNull(node, "previous");
        Instant createdAt = Json.instant(node, "createdAt");
        Checkpoint checkpoint = new Checkpoint(Json.integer(node, "sequence"), Json.text(node, "topic"), createdAt,
                previous == null ? null : Sha256.fromHex(previous), Json.text(node, "keyId"), heads);
        if (!checkpoint.createdAt().equals(createdAt)) {
            throw new IllegalArgumentException("'createdAt' has sub-microsecond digits");
        }
        return checkpoint;
    }
}
