package io.controlwatch.evaluation.service;

import io.controlwatch.engine.ControlPack;
import io.controlwatch.engine.ControlPackLoader;
import io.controlwatch.evaluation.config.EvaluationConfig;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import io.controlwatch.evaluation.logging.EvaluationLogging;

import java.nio.file.Path;
import java.time.Clock;

/**
 * Loads the configured control pack once, at start-up, and asks the pack registry which pack runs. An invalid
 * configured pack stops the service with the loader's message (file, control, line, reason) rather than running
 * with a partial set of controls.
 */
public class ControlEngineProducer {

    private static final String CLASSPATH = "classpath:";

    @Produces
    @Singleton
    PackRegistry packRegistry(EvaluationConfig config, Clock clock,
                              @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
                              @ConfigProperty(name = "cw.instance.id") String instance) {
        String location = config.pack();
        ControlPack pack = location.startsWith(CLASSPATH)
                ? ControlPackLoader.loadResource(location.substring(CLASSPATH.length()))
                : ControlPackLoader.load(Path.of(location));
        EvaluationLogging.LOG.packLoaded(pack.name(), pack.version(), pack.controls().size(), pack.source());
        return PackRegistry.start(bootstrapServers, pack, location, clock, instance);
    }

    void close(@Disposes PackRegistry registry) {
        registry.close();
    }

    @Produces
    @Singleton
    ActivePack activePack(PackRegistry registry) {
        return registry.activePack();
    }

    /** Evaluation timestamps come from here, so topology tests can run on a fixed clock. */
    @Produces
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }
}
