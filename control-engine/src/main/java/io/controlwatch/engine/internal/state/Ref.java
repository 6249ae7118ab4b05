package io.controlwatch.engine.internal.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.controlwatch.engine.EventRef;

import java.time.Instant;

/**
 * An event remembered by a correlation, with the time its decision is due. Short JSON names: a busy key's state
 * holds many of these and is rewritten on each of its events.
 */
public class Ref {
    @JsonProperty("i")
    public String id;
    @JsonProperty("s")
    public String source;
    @JsonProperty("y")
    public String type;
    @JsonProperty("t")
    public long time;
    @JsonProperty("g")
    public long ingestTime;
    @JsonProperty("u")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public String submitter;
    @JsonProperty("b")
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    public boolean backfilled;
    /** Epoch millis when an undecided entry must be decided, if any. */
    @JsonProperty("d")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public Long decideAt;

    public static Ref of(EventRef e, Long decideAt) {
        Ref ref = new Ref();
        ref.id = e.id();
        ref.source = e.source();
        ref.type = e.type();
        ref.time = e.time().toEpochMilli();
        ref.ingestTime = e.ingestTime().toEpochMilli();
        ref.submitter = e.submitter();
        ref.backfilled = e.backfilled();
        ref.decideAt = decideAt;
        return ref;
    }

    public EventRef toEventRef() {
        return new EventRef(id, source, type, Instant.ofEpochMilli(time), Instant.ofEpochMilli(ingestTime), submitter,
                backfilled);
    }
}
