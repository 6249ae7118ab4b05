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
     * How long an instance must see no events before wall-clock time, rather than event time, decides due
     * deadlines (an absence is noticed even when nothing else flows).
     */
    @WithDefault("10s")
    Duration idleAfter();
}
