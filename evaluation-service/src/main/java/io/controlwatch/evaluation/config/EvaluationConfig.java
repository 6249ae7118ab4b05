package io.controlwatch.evaluation.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** Evaluation settings; each overridable by environment variable (e.g. CW_EVALUATION_PACK). */
@ConfigMapping(prefix = "cw.evaluation")
public interface EvaluationConfig {

    /**
     * The control pack to start with: a file path, or {@code classpath:<resource>} for a pack bundled with the
     * service. A pack activated through the admin API later takes precedence (see PackRegistry).
     */
    @WithDefault("classpath:control-packs/soc2/controls.yaml")
    String pack();

    /**
     * Partitions of the topic that routes events to the state of stateful controls by (control, key): the
     * upper bound of evaluation instances that share stateful work. Changing it re-keys all state.
     */
    @WithDefault("6")
    int rulePartitions();

    /**
     * Event time per source (docs/controls.md "Time, grace and late events"): a source silent this long stops
     * holding back the deadlines of the controls it feeds (wall-clock time then decides them); it is also the
     * longest delay of a source that deadlines wait for.
     */
    @WithDefault("15m")
    Duration sourceIdleAfter();

    /**
     * How far past this service's clock an event's time may be: further events are dead-lettered (ingest refuses
     * them first with the same bound, {@code CW_INGEST_BOUNDS_MAX_FUTURE_SKEW}), and no source's clock runs further.
     */
    @WithDefault("5m")
    Duration maxFutureSkew();

    /** A source silent this long is forgotten by the partitions of rule state (its clock, its place as a feeder). */
    @WithDefault("7d")
    Duration sourceRetention();

    /** Sources remembered per partition of rule state; beyond, the longest silent one is forgotten. */
    @WithDefault("10000")
    int maxSources();

    /** Sources that may hold back one control's deadlines per partition; further ones are evaluated but do not. */
    @WithDefault("256")
    int maxFeedersPerControl();

    /**
     * How long the arrivals of a liveness control (an absence keyed by {@code event.source} that records no arrivals,
     * e.g. cc2.1-event-source-silent) may be held back after one was routed: one repartition record per source and
     * window instead of one per event. What the control decides is the same; its state learns of a source's newest
     * event up to this much later. {@code 0} routes every arrival.
     */
    @WithDefault("1s")
    Duration arrivalCoalescing();

    /** The stateful runtime's tunables, from the above. */
    default io.controlwatch.engine.StatefulRuntime.Settings runtimeSettings() {
        return new io.controlwatch.engine.StatefulRuntime.Settings(sourceIdleAfter(), maxFutureSkew(), sourceRetention(),
                maxSources(), maxFeedersPerControl());
    }
}
