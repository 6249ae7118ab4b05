package io.controlwatch.ingest.messaging;

/** Reactive Messaging channel names of the ingest service; each names its topic in application.properties. */
public final class Channels {
    /** Validated CloudEvents to {@code cw.events.v1}. */
    public static final String EVENTS_OUT = "events-out";

    private Channels() {
    }
}
