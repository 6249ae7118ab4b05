package io.controlwatch.common.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Bounds of what a request may carry besides its body; every service applies them (docs/security.md). */
@ConfigMapping(prefix = "cw.http")
public interface HttpLimits {

    /** Longest query or path parameter value, in characters. */
    @WithDefault("1024")
    int maxParameterLength();

    /** Most values of one query parameter (e.g. {@code ?status=a&status=b}). */
    @WithDefault("20")
    int maxParameterValues();
}
