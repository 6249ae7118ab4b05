package io.controlwatch.ingest.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** Ingest limits and timeouts; each overridable by environment variable (e.g. CW_INGEST_MAX_BATCH_SIZE). */
@ConfigMapping(prefix = "cw.ingest")
public interface IngestConfig {

    /** Largest number of events in one batch request. */
    @WithDefault("1000")
    int maxBatchSize();

    /** Largest request body accepted, in bytes (1 MiB). */
    @WithDefault("1048576")
    int maxBodyBytes();

    /** How long a request waits for Kafka to acknowledge its events before answering 503. */
    @WithDefault("20s")
    Duration publishTimeout();

    /** Retry-After sent with a 503 when Kafka cannot take events. */
    @WithDefault("5")
    int retryAfterSeconds();
}
