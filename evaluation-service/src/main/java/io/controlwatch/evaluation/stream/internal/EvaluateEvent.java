package io.controlwatch.evaluation.stream.internal;

import io.controlwatch.engine.ControlEngine;
import io.controlwatch.engine.RoutedEvent;
import io.controlwatch.evaluation.service.ActivePack;
import io.controlwatch.model.ControlExecution;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Tests one event against the active pack: single-event controls are decided here (keyed by subject); events for
 * stateful controls are emitted keyed by (control, key), for the repartition that brings each key's events
 * together. The arrivals of liveness controls are coalesced on the way ({@link ArrivalCoalescing}).
 */
public class EvaluateEvent implements Processor<String, ParsedEvent, String, Evaluated> {

    private final Supplier<ActivePack.Loaded> pack;
    private final Clock clock;
    private final MeterRegistry registry;
    private final Duration coalescing;
    private ProcessorContext<String, Evaluated> context;
    private ArrivalCoalescing arrivals;
    /** The held-arrivals counter of each control, looked up once: most events are held while a source is busy. */
    private final Map<String, Counter> held = new HashMap<>();

    /** @param coalescing how long a liveness control's arrivals may be held back; zero: never */
    public EvaluateEvent(Supplier<ActivePack.Loaded> pack, Clock clock, MeterRegistry registry, Duration coalescing) {
        this.pack = pack;
        this.clock = clock;
        this.registry = registry;
        this.coalescing = coalescing;
    }

    @Override
    public void init(ProcessorContext<String, Evaluated> context) {
        this.context = context;
        this.arrivals = new ArrivalCoalescing(coalescing.toMillis());
        if (!coalescing.isZero()) {
            context.schedule(coalescing, PunctuationType.WALL_CLOCK_TIME,
                    at -> arrivals.release(clock.millis()).forEach(this::route));
        }
    }

    @Override
    public void process(Record<String, ParsedEvent> record) {
        ControlEngine engine = pack.get().engine();
        // the record timestamp is when the ingest service wrote the event: its ingest time
        Instant ingestTime = Instant.ofEpochMilli(record.timestamp());
        ControlEngine.Evaluation evaluation = engine.evaluate(record.value().event(), ingestTime, clock.instant());
        for (ControlExecution execution : evaluation.executions()) {
            ExecutionRecords.count(registry, execution);
            context.forward(new Record<>(execution.subject(), new Evaluated(ExecutionRecords.json(execution), null),
                    record.timestamp(), ExecutionRecords.headers()));
        }
        long wall = clock.millis();
        for (RoutedEvent routed : evaluation.routed()) {
            List<RoutedEvent> now = coalescing.isZero() ? List.of(routed) : arrivals.offer(engine.pack(), routed, wall);
            if (now.isEmpty()) {
                held.computeIfAbsent(routed.controlId(), id -> registry.counter("cw.arrivals.held", "control", id))
                        .increment();
            }
            now.forEach(this::route);
        }
    }

    /** On to the repartition, stamped with the event's ingest time (as the event's own record was). */
    private void route(RoutedEvent routed) {
        Instant ingested = routed.event().ingestTime();
        context.forward(new Record<>(routed.stateKey(), new Evaluated(null, routed),
                ingested != null ? ingested.toEpochMilli() : clock.millis(), ExecutionRecords.headers()));
    }
}
