package io.controlwatch.model;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Deterministic execution ids: the same control tested against the same event always yields the same id, so a
 * redelivered event or execution can never become a second record downstream.
 */
public final class ExecutionIds {

    private ExecutionIds() {
    }

    /**
     * A name-based UUID over (control id, event source, event id). CloudEvents guarantees that source + id
     * identify an event; each part is length-prefixed so that no two different triples share a name.
     */
    public static String of(String controlId, String eventSource, String eventId) {
        String name = part(controlId) + part(eventSource) + part(eventId);
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }

    private static String part(String value) {
        return value.length() + ":" + value + ";";
    }
}
