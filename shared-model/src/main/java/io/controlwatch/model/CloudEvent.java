package io.controlwatch.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import java.time.OffsetDateTime;

/**
 * A CloudEvents 1.0 event in structured JSON mode, as read back from {@link Topics#EVENTS}. Ingest validated it
 * with {@link CloudEventValidator}; extension attributes are kept on the topic but not modelled here.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CloudEvent(
        String specversion,
        String id,
        String source,
        String type,
        String subject,
        OffsetDateTime time,
        String datacontenttype,
        String dataschema,
        JsonNode data) {

    public static final String SPEC_VERSION = "1.0";
    /** Media type of one event in structured mode. */
    public static final String MEDIA_TYPE = "application/cloudevents+json";
    /** Media type of a JSON array of events (CloudEvents JSON batch format). */
    public static final String BATCH_MEDIA_TYPE = "application/cloudevents-batch+json";

    /** The Kafka key: events about one subject stay in order on one partition. */
    public String partitionKey() {
        return subject != null && !subject.isBlank() ? subject : source;
    }
}
