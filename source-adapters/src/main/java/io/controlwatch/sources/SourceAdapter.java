package io.controlwatch.sources;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * Maps the deliveries of one {@link SourceKind} to ControlWatch events. Implementations never throw for any input:
 * hostile or broken payloads are {@link AdapterOutcome.Malformed}, every size and count is bounded
 * ({@link AdapterLimits}). They are thread-safe; the only state they keep is in the {@link AdapterStateStore}.
 */
public interface SourceAdapter {

    SourceKind kind();

    AdapterOutcome map(Delivery delivery);

    /**
     * Problems with a source's options (unknown names, wrong types), one message each; empty when they are valid.
     * Ingest checks them when a source is created so that {@link #map} never meets invalid options.
     */
    List<String> validateOptions(JsonNode options);
}
