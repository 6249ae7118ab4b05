package io.controlwatch.alerting.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** How the evidence store copes with failures; each overridable by environment variable (CW_ALERTING_STORE_...). */
@ConfigMapping(prefix = "cw.alerting.store")
public interface StoreConfig {

    /** First wait before retrying a store that failed for a transient reason (the database away). */
    @WithDefault("500ms")
    Duration firstRetry();

    /** Longest wait between retries. */
    @WithDefault("15s")
    Duration maxRetry();

    /**
     * Attempts of a batch that fails for a reason that is neither a connectivity problem nor a data error before it
     * is split to find the records that cause it.
     */
    @WithDefault("3")
    int attemptsBeforeSplit();

    /** Readiness goes down when records wait this long without anything being stored. */
    @WithDefault("2m")
    Duration stallAfter();
}
