package io.controlwatch.evaluation.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Evaluation settings; each overridable by environment variable (e.g. CW_EVALUATION_PACK). */
@ConfigMapping(prefix = "cw.evaluation")
public interface EvaluationConfig {

    /**
     * The control pack to run: a file path, or {@code classpath:<resource>} for a pack bundled with the service.
     */
    @WithDefault("classpath:control-packs/soc2/controls.yaml")
    String pack();
}
