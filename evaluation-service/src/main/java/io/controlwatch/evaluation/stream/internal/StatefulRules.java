package io.controlwatch.evaluation.stream.internal;

import io.controlwatch.engine.RetiredKey;
import io.controlwatch.engine.StatefulRuntime;
import io.controlwatch.engine.RoutedEvent;
import io.controlwatch.evaluation.logging.EvaluationLogging;
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
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Runs the stateful controls (threshold, absence, correlation) of one partition of (control, key)s over its
 * changelogged stores. Each event source has its own clock (the engine's {@link StatefulRuntime}); once a second
 * the wall clock is looked at too, so an absence is noticed when a source falls silent and nothing else flows.
 */
public class StatefulRules implements Processor<String, RoutedEvent, String, String> {

    /** State of stateful controls: JSON per (control, key), and the clocks of sources ("\u0000meta:src:…"). */
    public static final String STATE_STORE = "rule-state";
    /** Deadline index of stateful controls, per control and time (see {@link KafkaRuleStore}). */
    public static final String DEADLINES_STORE = "rule-deadlines";

    private static final Duration TICK = Duration.ofSeconds(1);
    private static final Duration WARN_EVERY = Duration.ofHours(1);
    /** Warnings already logged by this instance, so a source that stays slow is named once an hour, not every tick. */
    private static final Set<String> WARNED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final Supplier<ActivePack.Loaded> pack;
    private final Clock clock;
    private final MeterRegistry registry;
    private final int rulePartitions;
    /** cw.absence.keys.retired by control, looked up once each. */
    private final Map<String, Counter> retiredKeys = new HashMap<>();
    /** One listener for every record, not a method reference made anew on each. */
    private final Consumer<RetiredKey> onRetired = this::retired;
    private ProcessorContext<String, String> context;
    private KafkaRuleStore store;
    private long nextWarningCheck;

    /** @param rulePartitions partitions of the rule input (which keys a task owns, for declared absence keys) */
    public StatefulRules(Supplier<ActivePack.Loaded> pack, Clock clock, MeterRegistry registry, int rulePartitions) {
        this.pack = pack;
        this.clock = clock;
        this.registry = registry;
        this.rulePartitions = rulePartitions;
    }

    @Override
    public void init(ProcessorContext<String, String> context) {
        this.context = context;
        this.store = new KafkaRuleStore(context.getStateStore(STATE_STORE), context.getStateStore(DEADLINES_STORE),
                context.taskId().partition(), rulePartitions);
        context.schedule(TICK, PunctuationType.WALL_CLOCK_TIME, this::tick);
    }

    @Override
    public void process(Record<String, RoutedEvent> record) {
        StatefulRuntime runtime = pack.get().runtime();
        try {
            emit(runtime.onEvent(record.value(), store, clock.instant(), onRetired), record.timestamp());
        } catch (RuntimeException e) {
            // the runtime turns a rule's failure into an ERROR execution; this is a defect around it: the event is
            // recorded as an ERROR execution too (and named in the log), and the partition goes on
            store.forgetCachedStates();
            EvaluationLogging.LOG.ruleError(record.value().controlId(), record.value().event().id(), e);
            emit(runtime.failed(record.value(), clock.instant(), e), record.timestamp());
        }
    }

    private void tick(long punctuatedAt) {
        StatefulRuntime runtime = pack.get().runtime();
        // the service's clock, the same one events are evaluated on (the punctuation only says when to look)
        Instant now = clock.instant();
        long wallMillis = now.toEpochMilli();
        try {
            emit(runtime.onTime(now, store, now, onRetired), wallMillis);
        } catch (RuntimeException e) {
            store.forgetCachedStates();
            EvaluationLogging.LOG.deadlineError(e);
        }
        if (wallMillis >= nextWarningCheck) {
            nextWarningCheck = wallMillis + Duration.ofMinutes(1).toMillis();
            for (StatefulRuntime.GraceWarning warning : runtime.graceWarnings(Instant.ofEpochMilli(wallMillis))) {
                String once = warning.controlId() + "|" + warning.source() + "|" + wallMillis / WARN_EVERY.toMillis();
                if (WARNED.size() > 10_000) {
                    WARNED.clear();
                }
                if (WARNED.add(once)) {
                    EvaluationLogging.LOG.graceTooShort(warning.message());
                }
            }
        }
    }

    /** A key an absence control stopped expecting: no execution records it, so it is counted and logged. */
    private void retired(RetiredKey retired) {
        retiredKeys.computeIfAbsent(retired.controlId(), id -> registry.counter("cw.absence.keys.retired", "control", id))
                .increment();
        EvaluationLogging.LOG.absenceKeyRetired(retired.controlId(), retired.key(), retired.retiredAt(), retired.deadline(),
                retired.lastSeen());
    }

    private void emit(List<ControlExecution> executions, long timestamp) {
        for (ControlExecution execution : executions) {
            ExecutionRecords.count(registry, execution);
            context.forward(new Record<>(execution.subject(), ExecutionRecords.json(execution), timestamp,
                    ExecutionRecords.headers()));
        }
    }
}
