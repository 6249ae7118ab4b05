package io.controlwatch.evaluation.stream.internal;

import io.controlwatch.engine.RoutedEvent;
import io.controlwatch.engine.StatefulRuntime;
import io.controlwatch.evaluation.logging.EvaluationLogging;
import io.controlwatch.evaluation.service.ActivePack;
import io.controlwatch.evaluation.stream.EvaluationTopology;
import io.controlwatch.model.ControlExecution;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

/**
 * Runs the stateful controls (threshold, absence, correlation) of one partition of (control, key)s over its
 * changelogged stores. Event time decides; while the partition receives no events, wall-clock time decides due
 * deadlines, so an absence is noticed even when nothing flows.
 */
public class StatefulRules implements Processor<String, RoutedEvent, String, String> {

    private static final Duration TICK = Duration.ofSeconds(1);

    private final Supplier<ActivePack.Loaded> pack;
    private final Clock clock;
    private final MeterRegistry registry;
    private final EvaluationTopology.Settings settings;
    private ProcessorContext<String, String> context;
    private KafkaRuleStore store;
    private long lastEventWallMillis;

    public StatefulRules(Supplier<ActivePack.Loaded> pack, Clock clock, MeterRegistry registry, EvaluationTopology.Settings settings) {
        this.pack = pack;
        this.clock = clock;
        this.registry = registry;
        this.settings = settings;
    }

    @Override
    public void init(ProcessorContext<String, String> context) {
        this.context = context;
        this.store = new KafkaRuleStore(context.getStateStore(EvaluationTopology.RULE_STATE_STORE),
                context.getStateStore(EvaluationTopology.RULE_DEADLINES_STORE), context.taskId().partition(),
                settings.rulePartitions());
        // the context's cached system time may be stale while a task initialises (e.g. after a restore): use the clock
        this.lastEventWallMillis = System.currentTimeMillis();
        context.schedule(TICK, PunctuationType.WALL_CLOCK_TIME, this::tick);
    }

    @Override
    public void process(Record<String, RoutedEvent> record) {
        lastEventWallMillis = context.currentSystemTimeMs();
        StatefulRuntime runtime = pack.get().runtime();
        try {
            emit(runtime.onEvent(record.value(), store, clock.instant()), record.timestamp());
        } catch (RuntimeException e) {
            // a defect must not stop every control of the partition; the event is named in the log
            store.forgetCachedStates();
            EvaluationLogging.LOG.ruleError(record.value().controlId(), record.value().event().id(), e);
        }
    }

    private void tick(long wallMillis) {
        if (wallMillis - lastEventWallMillis < settings.idleAfter().toMillis()) {
            return; // events flow: event time decides
        }
        try {
            emit(pack.get().runtime().onTime(Instant.ofEpochMilli(wallMillis), store, clock.instant()), wallMillis);
        } catch (RuntimeException e) {
            store.forgetCachedStates();
            EvaluationLogging.LOG.deadlineError(e);
        }
    }

    private void emit(List<ControlExecution> executions, long timestamp) {
        for (ControlExecution execution : executions) {
            ExecutionRecords.count(registry, execution);
            context.forward(new Record<>(execution.subject(), ExecutionRecords.json(execution), timestamp,
                    ExecutionRecords.headers()));
        }
    }
}
