package io.controlwatch.engine;

import io.controlwatch.model.CloudEvent;

import java.time.Instant;

/**
 * What a stateful control keeps of an event: enough to name it as evidence, never its payload.
 *
 * @param time       event time (CloudEvents {@code time}, else ingest time)
 * @param ingestTime when ControlWatch accepted it
 */
public record EventRef(String id, String source, String type, Instant time, Instant ingestTime) {

    public static EventRef of(CloudEvent event, Instant ingestTime) {
        Instant time = event.time() != null ? event.time().toInstant() : ingestTime;
        return new EventRef(event.id(), event.source(), event.type(), time, ingestTime);
    }
}
