package io.controlwatch.model;

import java.time.Instant;

/**
 * A control pack version as recorded on {@link Topics#PACKS}: the pack's full text, so that any version an
 * execution names can be retrieved and re-run, and who activated it when.
 *
 * @param origin      {@code api} when an admin activated it, {@code config:<location>} when an instance started
 *                    with it from its configuration
 * @param activatedBy the admin's name, or the instance for {@code config} origins
 * @param previousVersion the version it replaced, if any
 */
public record PackVersion(String name, String version, String yaml, String origin, String activatedBy,
                          Instant activatedAt, String previousVersion) {

    public static final String ACTIVE_KEY = "active";
    public static final String VERSION_KEY_PREFIX = "version:";

    public boolean fromApi() {
        return "api".equals(origin);
    }
}
