package io.controlwatch.engine;

import io.controlwatch.engine.internal.Executions;
import io.controlwatch.engine.internal.state.AbsenceLogic;
import io.controlwatch.engine.internal.state.CorrelationLogic;
import io.controlwatch.engine.internal.state.Decisions;
import io.controlwatch.engine.internal.state.RuleLogic;
import io.controlwatch.engine.internal.state.ThresholdLogic;
import io.controlwatch.engine.rule.AbsenceRule;
import io.controlwatch.engine.rule.CorrelationRule;
import io.controlwatch.engine.rule.ThresholdRule;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ExecutionResult;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the stateful controls of a pack (threshold, absence, correlation) over a {@link RuleStore}, on event time.
 * <p>
 * The store's clock is the latest event time it has seen (or the wall-clock time at which {@link #onTime} decided
 * deadlines while no events flowed). An event more than its control's grace behind that clock is <b>late</b>: it is recorded as an {@code ERROR} execution marked late and changes no state, so a decision once
 * made is never silently revised. Deadlines (windows closing, expected events not arriving) are decided when the
 * clock, or {@link #onTime} when no events flow, passes them. The same events in the same order always give the
 * same executions, which is what makes crash recovery from a changelogged store exact.
 */
public final class StatefulRuntime {

    private static final String CLOCK = "clock";

    private final ControlEngine engine;
    private final Map<String, Control> controls = new HashMap<>();
    private final Map<String, RuleLogic<?>> logic = new HashMap<>();
    /** Absence controls that declare keys: checked on every call, so kept apart from the rest. */
    private final List<Control> declaringAbsences = new ArrayList<>();

    public StatefulRuntime(ControlEngine engine) {
        this.engine = engine;
        for (Control control : engine.pack().controls()) {
            RuleLogic<?> l = null;
            if (control.rule() instanceof ThresholdRule r) {
                l = new ThresholdLogic(r);
            } else if (control.rule() instanceof AbsenceRule r) {
                l = new AbsenceLogic(r);
            } else if (control.rule() instanceof CorrelationRule r) {
                l = new CorrelationLogic(r);
            }
            if (l != null) {
                controls.put(control.id(), control);
                logic.put(control.id(), l);
            }
            if (control.rule() instanceof AbsenceRule r && !r.keys().isEmpty()) {
                declaringAbsences.add(control);
            }
        }
    }

    public ControlEngine engine() {
        return engine;
    }

    /** Whether the pack has any stateful control at all. */
    public boolean active() {
        return !logic.isEmpty();
    }

    /** Folds one routed event into its (control, key) state and decides what is due. */
    public List<ControlExecution> onEvent(RoutedEvent routed, RuleStore store, Instant evaluatedAt) {
        List<ControlExecution> out = new ArrayList<>();
        Control control = controls.get(routed.controlId());
        if (control == null) {
            return out; // the control left the pack since the event was routed
        }
        Instant clock = clock(store);
        Instant time = routed.event().time();
        seedDeclaredKeys(store, clock == null ? time : clock, evaluatedAt);
        Duration grace = grace(control);
        Instant now = clock == null || time.isAfter(clock) ? time : clock;
        if (clock != null && time.isBefore(clock.minus(grace))) {
            if (recordsLate(control, routed, store)) {
                out.add(Executions.decided(engine.pack(), control,
                        io.controlwatch.model.ExecutionIds.of(control.id(), routed.event().source(), routed.event().id()),
                        ExecutionResult.ERROR, "late event: its time " + time + " is more than the grace of " + grace
                                + " behind the control's clock " + clock + "; recorded, not evaluated",
                        null, routed.key(), routed.event(), time, evaluatedAt, List.of(routed.event().id()), true));
            }
        } else {
            // what was due before this event is decided first: an event never hides a deadline it came after
            out.addAll(fireDue(store, now, evaluatedAt));
            apply(control, routed.key(), store, evaluatedAt, out, new Step() {
                @Override
                public <S extends RuleState> void run(RuleLogic<S> l, Decisions d, S state) {
                    l.onEvent(d, state, routed);
                }
            });
        }
        store.putMeta(CLOCK, Long.toString(now.toEpochMilli()));
        out.addAll(fireDue(store, now, evaluatedAt));
        return out;
    }

    /**
     * Whether a late event is worth an execution. For an absence, an event older than the key's last arrival proves
     * nothing new (e.g. any late event of a source that was heard from since): recording it would only add noise.
     */
    private static boolean recordsLate(Control control, RoutedEvent routed, RuleStore store) {
        if (control.rule() instanceof AbsenceRule
                && store.get(routed.stateKey()) instanceof AbsenceLogic.State absence
                && absence.lastSeen != null && routed.event().time().toEpochMilli() <= absence.lastSeen) {
            return false;
        }
        return true;
    }

    /**
     * Decides what is due at {@code now} (wall-clock time while no events flow) and moves the clock there: once a
     * window or deadline is decided, an event that would have changed it is late, never a second decision.
     */
    public List<ControlExecution> onTime(Instant now, RuleStore store, Instant evaluatedAt) {
        Instant clock = clock(store);
        Instant effective = clock == null || now.isAfter(clock) ? now : clock;
        seedDeclaredKeys(store, effective, evaluatedAt);
        store.putMeta(CLOCK, Long.toString(effective.toEpochMilli()));
        return fireDue(store, effective, evaluatedAt);
    }

    private List<ControlExecution> fireDue(RuleStore store, Instant now, Instant evaluatedAt) {
        List<ControlExecution> out = new ArrayList<>();
        for (RuleStore.Deadline due : store.dueDeadlines(now)) {
            store.removeDeadline(due.at(), due.stateKey());
            Control control = controls.get(StateKeys.controlId(due.stateKey()));
            if (control == null) {
                store.delete(due.stateKey());
                continue;
            }
            apply(control, StateKeys.key(due.stateKey()), store, evaluatedAt, out, new Step() {
                @Override
                public <S extends RuleState> void run(RuleLogic<S> l, Decisions d, S state) {
                    l.onTime(d, state, now);
                }
            });
        }
        return out;
    }

    /** One change of one state: load (or start) it, change it, save it and its deadline. */
    private interface Step {
        <S extends RuleState> void run(RuleLogic<S> logic, Decisions decisions, S state);
    }

    private void apply(Control control, String key, RuleStore store, Instant evaluatedAt, List<ControlExecution> out, Step step) {
        applyTyped(logic.get(control.id()), control, key, store, evaluatedAt, out, step);
    }

    private <S extends RuleState> void applyTyped(RuleLogic<S> l, Control control, String key, RuleStore store,
                                                  Instant evaluatedAt, List<ControlExecution> out, Step step) {
        String stateKey = StateKeys.of(control.id(), key);
        S state = load(l, store.get(stateKey), control);
        if (state.nextDeadline != null) {
            store.removeDeadline(Instant.ofEpochMilli(state.nextDeadline), stateKey);
        }
        step.run(l, new Decisions(engine.pack(), control, key, evaluatedAt, out), state);
        save(store, stateKey, state);
    }

    private <S extends RuleState> S load(RuleLogic<S> l, RuleState stored, Control control) {
        // a state of another kind or version (the control changed in a new pack) is not misread: start afresh
        if (l.stateType().isInstance(stored) && control.version().equals(stored.controlVersion)) {
            return l.stateType().cast(stored);
        }
        S state = l.newState();
        state.controlVersion = control.version();
        return state;
    }

    private static void save(RuleStore store, String stateKey, RuleState state) {
        if (state.empty()) {
            store.delete(stateKey);
            return;
        }
        store.put(stateKey, state);
        if (state.nextDeadline != null) {
            store.addDeadline(Instant.ofEpochMilli(state.nextDeadline), stateKey);
        }
    }

    /** Keys an absence control declares are expected from the moment the control (this version) starts. */
    private void seedDeclaredKeys(RuleStore store, Instant start, Instant evaluatedAt) {
        for (Control control : declaringAbsences) {
            AbsenceRule rule = (AbsenceRule) control.rule();
            String marker = "seeded:" + control.id() + "@" + control.version();
            if (store.meta(marker) != null) {
                continue;
            }
            AbsenceLogic absence = (AbsenceLogic) logic.get(control.id());
            for (String key : rule.keys()) {
                String stateKey = StateKeys.of(control.id(), key);
                if (store.owns(stateKey) && store.get(stateKey) == null) {
                    AbsenceLogic.State state = absence.declared(start);
                    state.controlVersion = control.version();
                    save(store, stateKey, state);
                }
            }
            store.putMeta(marker, start.toString());
        }
    }

    private static Instant clock(RuleStore store) {
        String value = store.meta(CLOCK);
        return value == null ? null : Instant.ofEpochMilli(Long.parseLong(value));
    }

    private static Duration grace(Control control) {
        if (control.rule() instanceof ThresholdRule r) return r.grace();
        if (control.rule() instanceof AbsenceRule r) return r.grace();
        if (control.rule() instanceof CorrelationRule r) return r.grace();
        return Duration.ZERO;
    }
}
