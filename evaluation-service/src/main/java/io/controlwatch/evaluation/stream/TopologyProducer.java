package io.controlwatch.evaluation.stream;

import io.controlwatch.evaluation.config.EvaluationConfig;
import io.controlwatch.evaluation.logging.EvaluationLogging;
import io.controlwatch.evaluation.service.ActivePack;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.apache.kafka.streams.Topology;

import java.time.Clock;

/** Hands the topology to quarkus-kafka-streams, which runs and health-checks it. */
@ApplicationScoped
public class TopologyProducer {

    @Produces
    Topology evaluationTopology(ActivePack pack, Clock clock, MeterRegistry registry, EvaluationConfig config) {
        EvaluationLogging.LOG.topology(config.rulePartitions(), config.sourceIdleAfter(), config.maxFutureSkew());
        return EvaluationTopology.build(pack, clock, registry,
                new EvaluationTopology.Settings(config.rulePartitions(), config.maxFutureSkew(), config.arrivalCoalescing()));
    }
}
