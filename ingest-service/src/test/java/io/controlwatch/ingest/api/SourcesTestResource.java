package io.controlwatch.ingest.api;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

/**
 * A fresh secret key per run, a rotation overlap short enough to watch it end, and the log written to a file the
 * test searches for secrets.
 */
public class SourcesTestResource implements QuarkusTestResourceLifecycleManager {

    static final String LOG_FILE = "target/sources-it.log";
    static final long OVERLAP_SECONDS = 4;

    @Override
    public Map<String, String> start() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Map.of("cw.sources.secret-key", Base64.getEncoder().encodeToString(key),
                "cw.sources.rotation-overlap", OVERLAP_SECONDS + "s",
                "quarkus.log.file.enabled", "true",
                "quarkus.log.file.path", LOG_FILE);
    }

    @Override
    public void stop() {
    }
}
