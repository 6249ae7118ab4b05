package io.controlwatch.ingest.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** The sources resource (docs/sources/README.md); each value overridable by environment variable (CW_SOURCES_...). */
@ConfigMapping(prefix = "cw.sources")
public interface SourcesConfig {

    /**
     * The AES key (base64 of 16, 24 or 32 bytes) that encrypts source secrets at rest on the registry topic
     * (CW_SOURCES_SECRET_KEY; deploy/local/up.sh generates one into .run). Without it sources cannot be registered
     * or rotated (503), and deliveries cannot be authenticated: the secrets must be usable for HMAC, so they are
     * encrypted, not hashed.
     */
    Optional<String> secretKey();

    /** How long the previous secret stays valid after a rotation, so the vendor side can be switched without loss. */
    @WithDefault("24h")
    Duration rotationOverlap();

    /**
     * Largest delivery after gzip decompression (the adapters' own bound). The body as sent is bounded by
     * {@code cw.ingest.max-body-bytes} like every request, as it is kept whole in one record of cw.raw.v1.
     */
    @WithDefault("33554432")
    int maxPayloadBytes();

    /** How long a registry change waits for Kafka (registry record and audit event in one transaction). */
    @WithDefault("20s")
    Duration writeTimeout();

    /** How long an instance reads the registry topic at start-up before it serves with what it has read. */
    @WithDefault("30s")
    Duration startupRead();

    /** Per-source activity and delay: GET /api/v1/sources and the cw_source_delay_seconds histogram. */
    Activity activity();

    interface Activity {
        /**
         * How many distinct CloudEvents sources get a label of their own on cw_source_delay_seconds (the first seen by
         * this instance); every later one is counted under source="other", so a client inventing sources cannot make
         * the metric unbounded.
         */
        @WithDefault("100")
        int maxLabelledSources();

        /**
         * How many CloudEvents sources this instance keeps activity for (last times, counts, last hour's delays; a
         * few KiB each at most); beyond it the source silent the longest is forgotten.
         */
        @WithDefault("1000")
        int maxTrackedSources();

        /** A source with no event for longer than this is shown idle. */
        @WithDefault("15m")
        Duration idleAfter();
    }
}
