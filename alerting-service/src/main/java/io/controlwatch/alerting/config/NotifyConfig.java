package io.controlwatch.alerting.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** Notification delivery; each overridable by environment variable (CW_NOTIFY_...). */
@ConfigMapping(prefix = "cw.notify")
public interface NotifyConfig {

    /**
     * The notification config document (YAML: receivers and routes) loaded at start ({@code CW_NOTIFY_CONFIG}, a
     * file path). A config replaced through {@code PUT /api/v1/notifications/config} takes precedence.
     */
    Optional<String> config();

    /** How often an instance looks for a config another instance stored. */
    @WithDefault("5s")
    Duration configPoll();

    Dispatch dispatch();

    /** Reminders, SLA breaches, exemption expiry. */
    @WithDefault("5s")
    Duration sweepInterval();

    interface Dispatch {
        /** How often due notifications are looked for. */
        @WithDefault("500ms")
        Duration interval();

        /** Notifications claimed at once by one dispatcher. */
        @WithDefault("50")
        int batchSize();

        /** How long a claimed notification stays this dispatcher's; after that (a crash) another takes it. */
        @WithDefault("60s")
        Duration lease();

        /** Longest wait for a receiver's answer. */
        @WithDefault("10s")
        Duration timeout();

        /** First wait after a failed attempt; doubled after each, with jitter. */
        @WithDefault("1s")
        Duration firstRetry();

        @WithDefault("10m")
        Duration maxRetry();

        /** Longest Retry-After honoured (a receiver's 429 or 503 asking for more is capped here). */
        @WithDefault("1h")
        Duration maxRetryAfter();

        /** A notification that has failed this long after it was written is DEAD (it can still be retried by hand). */
        @WithDefault("24h")
        Duration deadAfter();
    }
}
