package io.controlwatch.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import java.time.OffsetDateTime;

/**
 * A CloudEvents 1.0 event in structured JSON mode, as read back from {@link Topics#EVENTS}. Ingest validated it
 * with {@link CloudEventValidator}. Client extension attributes are kept on the topic but not modelled here; the
 * extension attributes ControlWatch itself sets at ingest (names starting {@value #RESERVED_EXTENSION_PREFIX},
 * which clients may not send) are:
 *
 * @param cwsubmitter who submitted the event: the token's subject, or {@code source:<id>} for a registered source
 * @param cwbackfill  true when the source was marked as backfilling history when the event was accepted
 * @param cwraw       reference to the raw vendor payload on {@link Topics#RAW} the event was normalized from
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
        JsonNode data,
        String cwsubmitter,
        Boolean cwbackfill,
        String cwraw) {

    public static final String SPEC_VERSION = "1.0";
    /** Media type of one event in structured mode. */
    public static final String MEDIA_TYPE = "application/cloudevents+json";
    /** Media type of a JSON array of events (CloudEvents JSON batch format). */
    public static final String BATCH_MEDIA_TYPE = "application/cloudevents-batch+json";
    /** Extension attributes starting with this are ControlWatch's own, set at ingest and refused from clients. */
    public static final String RESERVED_EXTENSION_PREFIX = "cw";
    public static final String SUBMITTER = "cwsubmitter";
    public static final String BACKFILL = "cwbackfill";
    public static final String RAW = "cwraw";

    /** An event as a client sends it, before ingest adds ControlWatch's own extension attributes. */
    public CloudEvent(String specversion, String id, String source, String type, String subject, OffsetDateTime time,
                      String datacontenttype, String dataschema, JsonNode data) {
        this(specversion, id, source, type, subject, time, datacontenttype, dataschema, data, null, null, null);
    }

    /** Whether ingest stamped the event as part of a backfill of its source's history. */
    public boolean backfilled() {
        return Boolean.TRUE.equals(cwbackfill);
    }

    /** The Kafka key: events about one subject stay in order on one partition. */
    public String partitionKey() {
        return subject != null && !subject.isBlank() ? subject : source;
    }
}
