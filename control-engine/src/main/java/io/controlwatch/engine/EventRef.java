package io.controlwatch.engine;

import io.controlwatch.model.CloudEvent;

import java.time.Instant;

/**
 * What a stateful control keeps of an event: enough to name it as evidence, never its payload.
 *
 * @param time       event time (CloudEvents {@code time}, else ingest time)
 * @param ingestTime when ControlWatch accepted it
 * @param submitter  who submitted it (ingest's {@code cwsubmitter}), null when unknown
 * @param backfilled whether it was part of a backfill of its source's history
 */
public record EventRef(String id, String source, String type, Instant time, Instant ingestTime, String submitter,
                       boolean backfilled) {

    public static EventRef of(CloudEvent event, Instant ingestTime) {
        Instant time = event.time() != null ? event.time().toInstant() : ingestTime;
        return new EventRef(event.id(), event.source(), event.type(), time, ingestTime, event.cwsubmitter(),
                event.backfilled());
    }
}
