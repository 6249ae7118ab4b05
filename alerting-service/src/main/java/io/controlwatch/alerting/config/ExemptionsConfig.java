package io.controlwatch.alerting.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** Bounds of exemptions; overridable by environment variable (CW_EXEMPTIONS_...). */
@ConfigMapping(prefix = "cw.exemptions")
public interface ExemptionsConfig {

    /** Longest time from a request to its expiry (90 days). */
    @WithDefault("2160h")
    Duration maxDuration();
}
