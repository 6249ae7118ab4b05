package io.controlwatch.evaluation.stream.internal;

import io.controlwatch.engine.ControlEngine;
import io.controlwatch.engine.RoutedEvent;
import io.controlwatch.evaluation.service.ActivePack;
import io.controlwatch.model.ControlExecution;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

import java.time.Clock;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * Tests one event against the active pack: single-event controls are decided here (keyed by subject); events for
 * stateful controls are emitted keyed by (control, key), for the repartition that brings each key's events
 * together.
 */
public class EvaluateEvent implements Processor<String, ParsedEvent, String, Evaluated> {

    private final Supplier<ActivePack.Loaded> pack;
    private final Clock clock;
    private final MeterRegistry registry;
    private ProcessorContext<String, Evaluated> context;

    public EvaluateEvent(Supplier<ActivePack.Loaded> pack, Clock clock, MeterRegistry registry) {
        this.pack = pack;
        this.clock = clock;
        this.registry = registry;
    }

    @Override
    public void init(ProcessorContext<String, Evaluated> context) {
        this.context = context;
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
        for (RoutedEvent routed : evaluation.routed()) {
            context.forward(new Record<>(routed.stateKey(), new Evaluated(null, routed), record.timestamp(),
                    ExecutionRecords.headers()));
        }
    }
}
