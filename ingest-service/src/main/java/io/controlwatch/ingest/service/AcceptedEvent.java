package io.controlwatch.ingest.service;

/**
 * A validated event ready for Kafka.
 *
 * @param json         the event exactly as it will be stored (compact JSON, extension attributes kept)
 * @param partitionKey subject, else source: events about one subject stay in order on one partition
 */
public record AcceptedEvent(String id, String partitionKey, String json) {
}
