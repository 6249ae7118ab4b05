package io.controlwatch.evaluation.stream;

import io.controlwatch.engine.ControlEngine;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.apache.kafka.streams.Topology;

import java.time.Clock;

/** Hands the topology to quarkus-kafka-streams, which runs and health-checks it. */
@ApplicationScoped
public class TopologyProducer {

    @Produces
    Topology evaluationTopology(ControlEngine engine, Clock clock, MeterRegistry registry) {
        return EvaluationTopology.build(engine, clock, registry);
    }
}
