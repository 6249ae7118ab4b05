package io.controlwatch.engine.internal.state;

import io.controlwatch.engine.EventRef;

import java.time.Instant;

/** An event remembered by a correlation, with the time its decision is due. */
public class Ref {
    public String id;
    public String source;
    public String type;
    public long time;
    public long ingestTime;
    /** Epoch millis when an undecided entry must be decided, if any. */
    public Long decideAt;

    public static Ref of(EventRef e, Long decideAt) {
        Ref ref = new Ref();
        ref.id = e.id();
        ref.source = e.source();
        ref.type = e.type();
        ref.time = e.time().toEpochMilli();
        ref.ingestTime = e.ingestTime().toEpochMilli();
        ref.decideAt = decideAt;
        return ref;
    }

    public EventRef toEventRef() {
        return new EventRef(id, source, type, Instant.ofEpochMilli(time), Instant.ofEpochMilli(ingestTime));
    }
}
