package io.controlwatch.console.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The console's tunables; every value overridable by environment variable (CW_CONSOLE_…). */
@ConfigMapping(prefix = "cw.console")
public interface ConsoleConfig {

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

    /** How many of the newest executions the sources page and the matrix read to derive what was seen. */
    @WithDefault("1000")
    int executionSample();

    /**
     * The interval in which the posture expects a {@code continuous} (event-driven) control to execute at least once;
     * the other frequencies imply their own (docs/console.md, "Posture").
     */
    @WithDefault("1d")
    Duration continuousInterval();

    /** A source whose last event is older than this is shown as silent. */
    @WithDefault("30m")
    Duration sourceSilentAfter();
}
