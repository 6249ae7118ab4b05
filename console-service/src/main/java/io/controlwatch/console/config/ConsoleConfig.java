package io.controlwatch.console.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The console's tunables; every value overridable by environment variable (CW_CONSOLE_…). */
@ConfigMapping(prefix = "cw.console")
public interface ConsoleConfig {

    /** The OpenID Connect issuer people sign in at (CW_CONSOLE_OIDC_URL); quarkus.oidc.auth-server-url reads it. */
    String oidcUrl();

    /** The key of the encrypted session cookie (CW_CONSOLE_SESSION_KEY), 32+ characters; else the client secret. */
    Optional<String> sessionKey();

    /** The alerting API every page reads and acts through (CW_CONSOLE_ALERTING_URL); the rest client reads it. */
    URI alertingUrl();

    /** The ingest service whose {@code GET /api/v1/sources} the sources page shows (CW_CONSOLE_INGEST_URL). */
    @WithDefault("http://127.0.0.1:8081")
    URI ingestUrl();

    /** How long the sources page waits for the ingest service, to connect and for its answer. */
    @WithDefault("5s")
    Duration ingestTimeout();

    /** The control pack file (YAML) the stack runs: event types, frequency, kinds, manual criteria and fixtures. */
    Optional<Path> packFile();

    /** How often the live findings stream asks the alerting API whether the page changed. */
    @WithDefault("2s")
    Duration liveInterval();

    /** The default period of the posture, control and matrix pages. */
    @WithDefault("7")
    int defaultPeriodDays();

    /** The longest period a page accepts (the report API's own bound is larger). */
    @WithDefault("92")
    int maxPeriodDays();

    /** How many of the newest executions the matrix reads to derive the sources each control saw. */
    @WithDefault("1000")
    int executionSample();

    /**
     * The interval in which the posture expects a {@code continuous} (event-driven) control to execute at least once;
     * the other frequencies imply their own (docs/console.md, "Posture").
     */
    @WithDefault("1d")
    Duration continuousInterval();
}
