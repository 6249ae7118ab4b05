package io.controlwatch.evaluation.stream;

import io.controlwatch.engine.ControlEngine;
import io.controlwatch.evaluation.stream.internal.EvaluateEvent;
import io.controlwatch.evaluation.stream.internal.ParseEvent;
import io.controlwatch.evaluation.stream.internal.ParsedEvent;
import io.controlwatch.model.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;

import java.time.Clock;
import java.util.Map;

/**
 * events → parse → (dead-letter | evaluate against every applicable control → executions).
 * <p>
 * Stateless and key-preserving: events keep their key (subject), so executions about one subject stay ordered
 * and the work spreads over partitions without a repartition. Runs with exactly-once v2, so an execution is
 * published exactly when the input offset is committed.
 */
public final class EvaluationTopology {

    private EvaluationTopology() {
    }

    public static Topology build(ControlEngine engine, Clock clock, MeterRegistry registry) {
        StreamsBuilder builder = new StreamsBuilder();
        KStream<String, ParsedEvent> parsed = builder
                .stream(Topics.EVENTS, Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("events"))
                .processValues(() -> new ParseEvent(registry), Named.as("parse-event"));

        Map<String, KStream<String, ParsedEvent>> branches = parsed.split(Named.as("parsed-"))
                .branch((key, event) -> !event.valid(), Branched.as("invalid"))
                .defaultBranch(Branched.as("valid"));

        branches.get("parsed-invalid")
                .mapValues(ParsedEvent::raw, Named.as("original-bytes"))
                .to(Topics.EVENTS_DEAD_LETTER, Produced.with(Serdes.String(), Serdes.ByteArray()).withName("dead-letter"));

        branches.get("parsed-valid")
                .processValues(() -> new EvaluateEvent(engine, clock, registry), Named.as("evaluate"))
                .to(Topics.EXECUTIONS, Produced.with(Serdes.String(), Serdes.String()).withName("executions"));
        return builder.build();
    }
}
