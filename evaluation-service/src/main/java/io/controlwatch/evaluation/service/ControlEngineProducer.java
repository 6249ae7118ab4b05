package io.controlwatch.evaluation.service;

import io.controlwatch.engine.ControlPack;
import io.controlwatch.engine.ControlPackLoader;
import io.controlwatch.evaluation.config.EvaluationConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.time.Clock;

/**
 * Loads and compiles the configured control pack once, at start-up. An invalid pack stops the service with the
 * loader's message (file, control, line, reason) rather than running with a partial set of controls.
 */
public class ControlEngineProducer {

    private static final Logger LOG = Logger.getLogger(ControlEngineProducer.class);
    private static final String CLASSPATH = "classpath:";

    @Produces
    @Singleton
    ActivePack activePack(EvaluationConfig config) {
        String location = config.pack();
        ControlPack pack = location.startsWith(CLASSPATH)
                ? ControlPackLoader.loadResource(location.substring(CLASSPATH.length()))
                : ControlPackLoader.load(Path.of(location));
        LOG.infof("CW-PACK-LOADED control pack %s version %s with %d controls from %s",
                pack.name(), pack.version(), pack.controls().size(), pack.source());
        return new ActivePack(pack);
    }

    /** Evaluation timestamps come from here, so topology tests can run on a fixed clock. */
    @Produces
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }
}
