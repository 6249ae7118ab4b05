package io.controlwatch.alerting.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Bounds and defaults of the auditor reports and samples; overridable by environment variable (CW_REPORTS_...). */
@ConfigMapping(prefix = "cw.reports")
public interface ReportsConfig {

    /** Longest period a report or sample may cover: a SOC 2 Type II period is at most twelve months, plus slack. */
    @WithDefault("400")
    int maxPeriodDays();

    /**
     * The frequency whose table size (docs/auditors.md, "Sampling") is the default sample size of a control no archived
     * pack version in force at the period's end knows (its own {@code frequency} decides otherwise).
     */
    @WithDefault("continuous")
    String defaultSampleFrequency();

    /** Rows fetched per round trip while the population streams through the sampler. */
    @WithDefault("2000")
    int sampleFetchSize();
}
