package io.controlwatch.alerting.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** The access log (docs/auditors.md, "The access log"); each overridable by environment variable (CW_ACCESS_LOG_...). */
@ConfigMapping(prefix = "cw.access-log")
public interface AccessLogConfig {

    /**
     * Accesses waiting in memory to be written at most; beyond it an access is not recorded, and counted
     * ({@code cw_access_log_dropped_total}) and logged (CW003221). Only a PostgreSQL outage fills it.
     */
    @WithDefault("20000")
    int queueCapacity();

    /** Accesses written in one insert at most. */
    @WithDefault("500")
    int batchSize();

    /** How often the waiting accesses are written (the {@code @Scheduled} tick reads this same property). */
    @WithDefault("1s")
    Duration flushInterval();
}
