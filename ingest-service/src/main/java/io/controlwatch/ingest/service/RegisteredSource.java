package io.controlwatch.ingest.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.controlwatch.sources.Source;
import io.controlwatch.sources.SourceKind;

import java.time.Instant;

/**
 * A source as the registry topic holds it. The secrets are sealed ({@link SecretCipher}); a deleted source keeps its
 * record without secrets (compaction then drops every earlier record, and with them the old ciphertexts), so that an
 * id is never reused and the registry still says who deleted it when.
 *
 * @param revision                  grows by one with every change; an instance applies a record only if it is newer
 *                                  than what it holds (its own writes are applied before the follower sees them)
 * @param previousSecretValidUntil  end of the rotation overlap; the previous secret is refused from then on
 * @param disabledAt                when an admin disabled it (its deliveries are refused with 403), null while enabled
 */
public record RegisteredSource(String id, String kind, String name, JsonNode options, String secret,
                               String previousSecret, Instant previousSecretValidUntil, long revision,
                               Instant createdAt, String createdBy, Instant updatedAt, String updatedBy,
                               Instant deletedAt, Instant disabledAt, String disabledBy) {

    public boolean deleted() {
        return deletedAt != null;
    }

    public boolean disabled() {
        return disabledAt != null;
    }

    public SourceKind sourceKind() {
        return SourceKind.fromWireName(kind).orElseThrow(() -> new IllegalStateException("unknown kind " + kind));
    }

    /** The source as the adapters see it. */
    public Source asAdapterSource() {
        return new Source(id, sourceKind(), options);
    }

    public String ingestionUrl() {
        return "/api/v1/sources/" + id + "/events";
    }
}
