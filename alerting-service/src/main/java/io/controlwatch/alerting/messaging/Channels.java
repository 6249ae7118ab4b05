package io.controlwatch.alerting.messaging;

/** Reactive Messaging channel names of the alerting service; each names its topic in application.properties. */
public final class Channels {
    /** Executions from {@code cw.executions.v1}, consumed in batches. */
    public static final String EXECUTIONS_IN = "executions-in";
    /** The control catalog from {@code cw.controls.v1}. */
    public static final String CONTROLS_IN = "controls-in";
    /** The pack registry's records from {@code cw.packs.v1}: which pack version the evaluation service runs. */
    public static final String PACKS_IN = "packs-in";
    /**
     * The same registry read from its start by a consumer group of its own: every pack version's YAML and
     * activation, archived for export bundles (a new group, so versions recorded before it existed are read too).
     */
    public static final String PACK_VERSIONS_IN = "pack-versions-in";
    /** Records this service cannot read, to the dead-letter topic of their source topic. */
    public static final String DEAD_LETTERS_OUT = "dead-letters-out";

    /** Audit CloudEvents of this service (notification config changes) to {@code cw.events.v1}, from the outbox. */
    public static final String AUDIT_EVENTS_OUT = "audit-events-out";

    /** Signed evidence checkpoints to {@code cw.evidence-checkpoints.v1}, from the checkpoint table (its outbox). */
    public static final String CHECKPOINTS_OUT = "checkpoints-out";

    private Channels() {
    }
}
