package io.controlwatch.sources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.util.Objects;

/**
 * A registered source as the adapters need it: its registry id (part of every state key and of the default CloudEvents
 * {@code source}), its kind and its options (checked with {@link SourceAdapter#validateOptions(JsonNode)} when the source
 * is created; an adapter never fails on them afterwards).
 *
 * @param id      the source registry's id of the source
 * @param kind    what the vendor sends
 * @param options kind-specific options (a JSON object; empty when none), documented in docs/sources/&lt;kind&gt;.md
 */
public record Source(String id, SourceKind kind, JsonNode options) {

    public Source {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        options = options == null || !options.isObject() ? JsonNodeFactory.instance.objectNode() : options;
    }

    /** The CloudEvents {@code source} used when the vendor payload names none. */
    public String fallbackEventSource() {
        return "urn:controlwatch:source:" + id;
    }
}
