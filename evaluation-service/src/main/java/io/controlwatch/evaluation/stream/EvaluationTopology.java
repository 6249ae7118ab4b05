package io.controlwatch.evaluation.stream;

import io.controlwatch.engine.RoutedEvent;
import io.controlwatch.evaluation.service.ActivePack;
import io.controlwatch.evaluation.stream.internal.EvaluateEvent;
import io.controlwatch.evaluation.stream.internal.Evaluated;
import io.controlwatch.evaluation.stream.internal.ParseEvent;
import io.controlwatch.evaluation.stream.internal.ParsedEvent;
import io.controlwatch.evaluation.stream.internal.RoutedEventSerde;
import io.controlwatch.evaluation.stream.internal.StatefulRules;
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
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

/**
 * <pre>
 * cw.events.v1 ─ parse ─┬─ not a CloudEvent, or its time too far ahead ──────────► cw.events.dlq.v1
 *                       └─ evaluate ─┬─ single-event executions ──────────────────► cw.executions.v1
 *                                    └─ routed to stateful controls (liveness arrivals coalesced)
 *                                       ─ repartition by (control, key) ─ stateful rules ─► cw.executions.v1
 * </pre>
 * Runs with exactly-once v2: executions, state changes (changelogged stores) and input offsets commit together,
 * so a crash and restart reproduce exactly the executions of an uninterrupted run.
 */
public final class EvaluationTopology {

    /** Names the internal repartition topic: {@code <application.id>-rule-input-repartition}. */
    public static final String RULE_INPUT = "rule-input";

    /**
     * Tunables of the topology.
     *
     * @param maxFutureSkew events whose time is further ahead of the wall clock are dead-lettered
     * @param arrivalCoalescing how long arrivals of liveness controls may be held back (zero: never)
     */
    public record Settings(int rulePartitions, Duration maxFutureSkew, Duration arrivalCoalescing) {
        public Settings(int rulePartitions, Duration maxFutureSkew) {
            this(rulePartitions, maxFutureSkew, Duration.ofSeconds(1));
        }
    }

    private EvaluationTopology() {
    }

    public static Topology build(Supplier<ActivePack.Loaded> pack, Clock clock, MeterRegistry registry, Settings settings) {
        StreamsBuilder builder = new StreamsBuilder();
        KStream<String, ParsedEvent> parsed = builder
                .stream(Topics.EVENTS, Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("events"))
                .processValues(() -> new ParseEvent(registry, clock, settings.maxFutureSkew()), Named.as("parse-event"));

        Map<String, KStream<String, ParsedEvent>> byValidity = parsed.split(Named.as("parsed-"))
                .branch((key, event) -> !event.valid(), Branched.as("invalid"))
                .defaultBranch(Branched.as("valid"));

        byValidity.get("parsed-invalid")
                .mapValues(ParsedEvent::raw, Named.as("original-bytes"))
                .to(Topics.EVENTS_DEAD_LETTER, Produced.with(Serdes.String(), Serdes.ByteArray()).withName("dead-letter"));

        Map<String, KStream<String, Evaluated>> evaluated = byValidity.get("parsed-valid")
                .process(() -> new EvaluateEvent(pack, clock, registry, settings.arrivalCoalescing()), Named.as("evaluate"))
                .split(Named.as("evaluated-"))
                .branch((key, value) -> value.routed() != null, Branched.as("routed"))
                .defaultBranch(Branched.as("decided"));

        evaluated.get("evaluated-decided")
                .mapValues(Evaluated::executionJson, Named.as("execution-json"))
                .to(Topics.EXECUTIONS, Produced.with(Serdes.String(), Serdes.String()).withName("executions"));

        // Cached: repeated writes of a hot key (its state, the clock, a moving deadline) between two commits reach
        // RocksDB and the changelog once, at the commit (which flushes the cache first, so exactly-once holds).
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StatefulRules.STATE_STORE),
                Serdes.String(), Serdes.String()).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StatefulRules.DEADLINES_STORE),
                Serdes.String(), Serdes.String()).withCachingEnabled());
        evaluated.get("evaluated-routed")
                .mapValues(Evaluated::routed, Named.as("routed-event"))
                .repartition(Repartitioned.<String, RoutedEvent>as(RULE_INPUT)
                        .withKeySerde(Serdes.String())
                        .withValueSerde(new RoutedEventSerde())
                        .withNumberOfPartitions(settings.rulePartitions()))
                .process(() -> new StatefulRules(pack, clock, registry, settings.rulePartitions()), Named.as("stateful-rules"),
                        StatefulRules.STATE_STORE, StatefulRules.DEADLINES_STORE)
                .to(Topics.EXECUTIONS, Produced.with(Serdes.String(), Serdes.String()).withName("stateful-executions"));
        return builder.build();
    }
}
