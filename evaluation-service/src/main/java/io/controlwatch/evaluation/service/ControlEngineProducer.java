package io.controlwatch.evaluation.service;

import io.controlwatch.engine.ControlPack;
import io.controlwatch.engine.ControlPackLoader;
import io.controlwatch.evaluation.config.EvaluationConfig;
import io.controlwatch.evaluation.messaging.PackRegistryChannels;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.transactions.KafkaTransactions;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import io.controlwatch.evaluation.logging.EvaluationLogging;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

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
                              @Identifier("default-kafka-broker") Map<String, Object> kafka,
                              @ConfigProperty(name = "cw.instance.id") String instance,
                              @Channel(PackRegistryChannels.PACKS_OUT) KafkaTransactions<String> transactions) {
        String location = config.pack();
        ControlPack pack = location.startsWith(CLASSPATH)
                ? ControlPackLoader.loadResource(location.substring(CLASSPATH.length()))
                : ControlPackLoader.load(Path.of(location));
        EvaluationLogging.LOG.packLoaded(pack.name(), pack.version(), pack.controls().size(), pack.source());
        return PackRegistry.startingFrom(kafka, pack, location, clock, instance, transactions, config.runtimeSettings());
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
