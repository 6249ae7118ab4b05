package io.controlwatch.alerting.config;

import io.smallrye.config.WithDefault;
import io.smallrye.config.ConfigMapping;

import java.time.Duration;

/** Evidence export bundles (docs/auditors.md); each overridable by environment variable (CW_EXPORTS_...). */
@ConfigMapping(prefix = "cw.exports")
public interface ExportsConfig {

    /** Where bundles are written (one ZIP per export); served from there by {@code GET /api/v1/exports/{id}/bundle}. */
    @WithDefault("${java.io.tmpdir}/controlwatch-exports")
    String directory();

    /** Exports that run at once on an instance; more wait (QUEUED). */
    @WithDefault("1")
    int concurrency();

    /** Exports waiting on one instance at most; beyond it a request is refused with 429. */
    @WithDefault("20")
    int maxQueued();

    /** An unfinished export whose instance stopped beating this long ago is marked FAILED. */
    @WithDefault("2m")
    Duration staleAfter();

    /** How long an export waits for a signed checkpoint covering its period's last rows before it fails. */
    @WithDefault("3m")
    Duration checkpointWait();

    /**
     * How long a bundle is kept after its export is done (CW_EXPORTS_RETENTION): then the cleanup deletes its file
     * and marks the export EXPIRED, and its download answers 410. Auditors keep their own copy.
     */
    @WithDefault("7d")
    Duration retention();

    /** How often the cleanup of expired bundles runs (the {@code @Scheduled} tick reads this same property). */
    @WithDefault("1m")
    Duration cleanupEvery();

    /** Most controls or criteria one export may name. */
    @WithDefault("200")
    int maxScope();
}
