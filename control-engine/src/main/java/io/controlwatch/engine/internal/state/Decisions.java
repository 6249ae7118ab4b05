package io.controlwatch.engine.internal.state;

import io.controlwatch.engine.Control;
import io.controlwatch.engine.ControlPack;
import io.controlwatch.engine.EventRef;
import io.controlwatch.engine.internal.Executions;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ExecutionIds;
import io.controlwatch.model.ExecutionResult;

import java.time.Instant;
import java.util.List;

/** Collects the executions a stateful control decides while one event or one tick is processed. */
public final class Decisions {

    final ControlPack pack;
    final Control control;
    final String key;
    final Instant evaluatedAt;
    private final List<ControlExecution> out;

    public Decisions(ControlPack pack, Control control, String key, Instant evaluatedAt, List<ControlExecution> out) {
        this.pack = pack;
        this.control = control;
        this.key = key;
        this.evaluatedAt = evaluatedAt;
        this.out = out;
    }

    /** A decision about one event (an arrival, a follow-up): its id comes from that event. */
    void aboutEvent(EventRef event, ExecutionResult result, String reason, Instant at, List<String> evidence) {
        out.add(Executions.decided(pack, control, ExecutionIds.of(control.id(), event.source(), event.id()), result,
                reason, key, event, at, evaluatedAt, evidence, false));
    }

    /** A decision about a span of time (a window, a deadline): its id comes from the key and the time. */
    void aboutTime(String what, Instant time, EventRef decidingEvent, ExecutionResult result, String reason, Instant at,
                   List<String> evidence) {
        String id = ExecutionIds.of(control.id(), "urn:controlwatch:" + what + ":" + key, time.toString());
        out.add(Executions.decided(pack, control, id, result, reason, key, decidingEvent, at, evaluatedAt, evidence, false));
    }
}
