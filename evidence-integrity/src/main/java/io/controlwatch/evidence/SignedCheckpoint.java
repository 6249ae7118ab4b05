package io.controlwatch.evidence;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.controlwatch.evidence.internal.Json;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.HashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A checkpoint and its Ed25519 signature over the checkpoint's canonical JSON. Its JSON form is the canonical JSON
 * with a last field {@code "signature"} (base64): one line of {@code checkpoints.jsonl}, one record of the checkpoint
 * topic, one row of the checkpoint table.
 */
public record SignedCheckpoint(Checkpoint checkpoint, byte[] signature) {

    private static final Set<String> FIELDS;

    static {
        Set<String> fields = new HashSet<>(Checkpoint.FIELDS);
        fields.add("signature");
        FIELDS = Set.copyOf(fields);
    }

    public SignedCheckpoint {
        Objects.requireNonNull(checkpoint, "checkpoint");
        signature = Objects.requireNonNull(signature, "signature").clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /** Parses the JSON form strictly (unknown fields, duplicates and malformed values are refused). */
    public static SignedCheckpoint parse(String json) {
        try {
            return fromJson(Json.MAPPER.readTree(json));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("checkpoint is not JSON: " + e.getOriginalMessage());
        }
    }

    /** Reads the JSON form from a parsed tree (strictly, as {@link #parse}). */
    public static SignedCheckpoint fromJson(JsonNode node) {
        Json.onlyFields(node, "checkpoint", FIELDS);
        byte[] signature;
        try {
            signature = Base64.getDecoder().decode(Json.text(node, "signature"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'signature' is not base64");
        }
        return new SignedCheckpoint(Checkpoint.fromJson(node), signature);
    }

    /**
     * Why the signature does not hold for {@code keys}, or empty when it does: the checkpoint must name a trusted key
     * and carry that key's signature of its canonical JSON.
     */
    public Optional<String> signatureProblem(KeyRing keys) {
        Optional<VerificationKey> key = keys.key(checkpoint.keyId());
        if (key.isEmpty()) {
            return Optional.of("checkpoint #" + checkpoint.sequence() + " is signed by key " + checkpoint.keyId()
                    + ", which is not a trusted key");
        }
        if (!key.get().verifies(checkpoint.canonicalBytes(), signature)) {
            return Optional.of("checkpoint #" + checkpoint.sequence() + " does not carry a valid signature of key "
                    + checkpoint.keyId() + ": it was changed after signing or signed by another key");
        }
        return Optional.empty();
    }

    /** The JSON form, one line. */
    public String toJson() {
        StringWriter out = new StringWriter(512);
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
            checkpoint.writeFields(g);
            g.writeStringField("signature", Base64.getEncoder().encodeToString(signature));
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SignedCheckpoint other && checkpoint.equals(other.checkpoint)
                && java.util.Arrays.equals(signature, other.signature);
    }

    @Override
    public int hashCode() {
        return checkpoint.hashCode() * 31 + java.util.Arrays.hashCode(signature);
    }

    @Override
    public String toString() {
        return "checkpoint #" + checkpoint.sequence();
    }
}
