package io.controlwatch.evaluation.stream;

import io.controlwatch.evaluation.config.EvaluationConfig;
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
        org.jboss.logging.Logger.getLogger(TopologyProducer.class).infof(
                "CW-TOPOLOGY %d partitions of rule state; wall-clock time decides deadlines after %s without events",
                config.rulePartitions(), config.idleAfter());
        return EvaluationTopology.build(pack, clock, registry,
                new EvaluationTopology.Settings(config.rulePartitions(), config.idleAfter()));
    }
}
