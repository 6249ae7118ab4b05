package io.controlwatch.engine.internal;

import io.controlwatch.engine.Control;
import io.controlwatch.engine.ControlPack;
import io.controlwatch.engine.EventRef;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ExecutionIds;
import io.controlwatch.model.ExecutionResult;

import java.time.Instant;
import java.util.List;

/** Builds executions, so every kind of control names its evidence the same way. */
public final class Executions {

    /** Source of executions decided by time alone (a window closing, a deadline passing). */
    public static final String TIMER_SOURCE = "urn:controlwatch:evaluation";
    public static final String TIMER_TYPE = "controlwatch.deadline";

    private Executions() {
    }

    /** An execution decided by one event: its id is derived from (control, event source, event id). */
    public static ControlExecution forEvent(ControlPack pack, Control control, EventRef event, ExecutionResult result,
                                            String reason, String message, String subject, Instant evaluatedAt,
                                            boolean late) {
        return decided(pack, control, ExecutionIds.of(control.id(), event.source(), event.id()), result, reason, message,
                subject, event, event.time(), evaluatedAt, List.of(event.id()), late);
    }

    /**
     * An execution decided by a stateful control.
     *
     * @param executionId deterministic: the same decision always gets the same id, however often it is replayed
     * @param message    the control's message rendered for this result, or null
     * @param decidingEvent the event that tipped the decision, or null when time alone decided it
     * @param at         the event time the decision belongs to (a window's end, a deadline, an event's time)
     */
    public static ControlExecution decided(ControlPack pack, Control control, String executionId, ExecutionResult result,
                                           String reason, String message, String subject, EventRef decidingEvent, Instant at,
                                           Instant evaluatedAt, List<String> evidence, boolean late) {
        return decided(pack, control, executionId, result, reason, message, subject, decidingEvent, at, evaluatedAt,
                evidence, late, false);
    }

    /**
     * As above; {@code backfill} marks a decision taken on a backfill's clock (a deadline its history passed) as
     * backfilled even when no event of the backfill decided it.
     */
    public static ControlExecution decided(ControlPack pack, Control control, String executionId, ExecutionResult result,
                                           String reason, String message, String subject, EventRef decidingEvent, Instant at,
                                           Instant evaluatedAt, List<String> evidence, boolean late, boolean backfill) {
        String eventId = decidingEvent != null ? decidingEvent.id() : control.id() + "/" + subject + "/" + at;
        String eventSource = decidingEvent != null ? decidingEvent.source() : TIMER_SOURCE;
        String eventType = decidingEvent != null ? decidingEvent.type() : TIMER_TYPE;
        Instant ingestTime = decidingEvent != null ? decidingEvent.ingestTime() : evaluatedAt;
        String submitter = decidingEvent != null ? decidingEvent.submitter() : null;
        boolean backfilled = backfill || decidingEvent != null && decidingEvent.backfilled();
        return new ControlExecution(executionId, control.id(), control.version(), control.title(), control.criteria(),
                control.severity(), result, reason, subject, eventId, eventSource, eventType, at, ingestTime,
                evaluatedAt, pack.name(), pack.version(), evidence, late, submitter, backfilled, message);
    }
}
