package io.controlwatch.ingest.service;

/**
 * A validated event ready for Kafka.
 *
 * @param json         the event exactly as it will be stored (compact JSON, extension attributes kept, ControlWatch's
 *                     own {@code cwsubmitter} added)
 * @param partitionKey subject, else source: events about one subject stay in order on one partition
 * @param submitter    who submitted it, also sent as a Kafka header
 */
public record AcceptedEvent(String id, String partitionKey, String json, String submitter) {
}
