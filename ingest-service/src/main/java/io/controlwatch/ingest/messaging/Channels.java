package io.controlwatch.ingest.messaging;

/** Reactive Messaging channel names of the ingest service; each names its topic in application.properties. */
public final class Channels {
    /** Validated CloudEvents to {@code cw.events.v1}. */
    public static final String EVENTS_OUT = "events-out";
    /** Raw vendor deliveries to {@code cw.raw.v1}, as received (bytes). */
    public static final String RAW_OUT = "raw-out";
    /** Transactional writes of the source registry ({@code cw.sources.v1}) with their audit events. */
    public static final String SOURCES_OUT = "sources-out";
    /** The source registry, followed by every instance after its start-up read. */
    public static final String SOURCES_IN = "sources-in";
    /** Name of the rebalance listener bean that positions the registry follower. */
    public static final String SOURCES_FOLLOWER = "source-registry-follower";
    /** The adapters' state ({@code cw.adapter-state.v1}): written through by every instance. */
    public static final String ADAPTER_STATE_OUT = "adapter-state-out";
    /** The adapters' state, followed by every instance after its start-up read. */
    public static final String ADAPTER_STATE_IN = "adapter-state-in";
    /** Name of the rebalance listener bean that positions the adapter state follower. */
    public static final String ADAPTER_STATE_FOLLOWER = "adapter-state-follower";

    private Channels() {
    }
}
