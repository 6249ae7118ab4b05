package io.controlwatch.ingest.service;

import java.time.Instant;

/**
 * A validated event ready for Kafka.
 *
 * @param json         the event exactly as it will be stored (compact JSON, extension attributes kept, ControlWatch's
 *                     own {@code cwsubmitter} added, and {@code cwbackfill} when its source is marked backfilling)
 * @param partitionKey subject, else source: events about one subject stay in order on one partition
 * @param submitter    who submitted it, also sent as a Kafka header
 * @param source       its CloudEvents {@code source}, the key of its activity (GET /api/v1/sources)
 * @param time         its {@code time}, null when it has none (then no delay can be measured)
 * @param backfilled   whether it was stamped {@code cwbackfill: true}
 */
public record AcceptedEvent(String id, String partitionKey, String json, String submitter, String source, Instant time,
                            boolean backfilled) {
}
