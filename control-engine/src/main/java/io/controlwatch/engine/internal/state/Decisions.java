package io.controlwatch.engine.internal.state;

import io.controlwatch.engine.Control;
import io.controlwatch.engine.ControlPack;
import io.controlwatch.engine.EventRef;
import io.controlwatch.engine.RetiredKey;
import io.controlwatch.engine.internal.Executions;
import io.controlwatch.engine.internal.MessageVariables;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ExecutionIds;
import io.controlwatch.model.ExecutionResult;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Collects the executions a stateful control decides while one event or one tick is processed. */
public final class Decisions {

    final ControlPack pack;
    final Control control;
    final String key;
    final Instant evaluatedAt;
    private final List<ControlExecution> out;
    private final boolean backfill;
    private RetiredKey retired;

    /** @param backfill whether the decisions are taken on a backfill's clock (its executions are marked backfilled) */
    public Decisions(ControlPack pack, Control control, String key, Instant evaluatedAt, List<ControlExecution> out,
                     boolean backfill) {
        this.pack = pack;
        this.control = control;
        this.key = key;
        this.evaluatedAt = evaluatedAt;
        this.out = out;
        this.backfill = backfill;
    }

    /** The key is no longer expected (an absence's retirement): no execution, reported to the runtime's caller. */
    void retired(Instant deadline, Instant lastSeen, Instant retiredAt) {
        retired = new RetiredKey(control.id(), key, deadline, lastSeen, retiredAt);
    }

    /** The retirement decided in this step, or null. */
    public RetiredKey retired() {
        return retired;
    }

    /** A decision about one event (an arrival, a follow-up): its id comes from that event. */
    void aboutEvent(EventRef event, ExecutionResult result, String reason, Instant at, List<String> evidence) {
        aboutEvent(event, result, reason, null, at, evidence);
    }

    /**
     * As {@link #aboutEvent(EventRef, ExecutionResult, String, Instant, List)}, for a failure the control's message
     * describes.
     *
     * @param facts the message's variables but {@code key} (see {@link MessageVariables}); built only when the
     *              control has a message
     */
    void aboutEvent(EventRef event, ExecutionResult result, String reason, Supplier<Map<String, Object>> facts,
                    Instant at, List<String> evidence) {
        out.add(Executions.decided(pack, control, ExecutionIds.of(control.id(), event.source(), event.id()), result,
                reason, message(result, facts), key, event, at, evaluatedAt, evidence, false, backfill));
    }

    /** A decision about a span of time (a window, a deadline): its id comes from the key and the time. */
    void aboutTime(String what, Instant time, EventRef decidingEvent, ExecutionResult result, String reason,
                   Supplier<Map<String, Object>> facts, Instant at, List<String> evidence) {
        String id = ExecutionIds.of(control.id(), "urn:controlwatch:" + what + ":" + key, time.toString());
        out.add(Executions.decided(pack, control, id, result, reason, message(result, facts), key, decidingEvent, at,
                evaluatedAt, evidence, false, backfill));
    }

    /** The message describes a deviation: rendered for failures only (a resolution or pass keeps its reason). */
    private String message(ExecutionResult result, Supplier<Map<String, Object>> facts) {
        if (result != ExecutionResult.FAIL || facts == null || control.message() == null) {
            return null;
        }
        Map<String, Object> variables = new HashMap<>(facts.get());
        variables.put("key", key);
        return control.message().render(variables);
    }
}
