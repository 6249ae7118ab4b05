package io.controlwatch.alerting.config;

import io.controlwatch.alerting.service.findings.SlaPolicy;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** How long a finding may stay unresolved, by severity; overridable by environment variable (CW_FINDINGS_...). */
@ConfigMapping(prefix = "cw.findings")
public interface FindingsConfig {

    @WithDefault("4h")
    Duration slaCritical();

    @WithDefault("24h")
    Duration slaHigh();

    /** 7 days. */
    @WithDefault("168h")
    Duration slaMedium();

    /** 30 days. */
    @WithDefault("720h")
    Duration slaLow();

    /** Backfilled failures whose event is older than this form findings but notify nobody. */
    @WithDefault("24h")
    Duration quietAfter();

    default SlaPolicy policy() {
        return new SlaPolicy(slaCritical(), slaHigh(), slaMedium(), slaLow(), quietAfter());
    }
}
