package io.controlwatch.engine;

import io.controlwatch.engine.internal.Durations;
import io.controlwatch.engine.internal.Executions;
import io.controlwatch.engine.internal.state.AbsenceLogic;
import io.controlwatch.engine.internal.state.CorrelationLogic;
import io.controlwatch.engine.internal.state.Decisions;
import io.controlwatch.engine.internal.state.RuleLogic;
import io.controlwatch.engine.internal.state.SourceClocks;
import io.controlwatch.engine.internal.state.ThresholdLogic;
import io.controlwatch.engine.rule.AbsenceRule;
import io.controlwatch.engine.rule.CorrelationRule;
import io.controlwatch.engine.rule.ThresholdRule;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ExecutionIds;
import io.controlwatch.model.ExecutionResult;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Consumer;

/**
 * Runs the stateful controls of a pack (threshold, absence, correlation) over a {@link RuleStore}, on event time,
 * with <b>one clock per event source</b> (see {@link SourceClocks} and docs/controls.md "Time, grace and late
 * events"):
 * <ul>
 * <li>An event is <b>late</b> when its time is more than its control's grace behind its own source's watermark, or
 * behind what the control already decided while the source was not holding it back (a source that starts feeding
 * a control, or comes back after being idle). A late event is recorded as an {@code ERROR} execution marked late and
 * changes no state: a decision once made is never silently revised.</li>
 * <li>A control's deadlines (windows closing, expected events not arriving) are decided when its effective time
 * (the lowest watermark of the sources feeding it, or the wall clock while none does) passes them.</li>
 * <li>A rule that throws becomes an {@code ERROR} execution naming the control, key and reason; the state it was
 * changing is left as it was before the event.</li>
 * </ul>
 * The same events, arriving at the same wall-clock times, always give the same executions, which is what makes
 * crash recovery from a changelogged store exact.
 */
public final class StatefulRuntime {

    /**
     * Tunables.
     *
     * @param sourceIdleAfter   a source silent this long stops holding deadlines back (the wall clock decides); also
     *                          the longest delay of a source that is waited for
     * @param maxFutureSkew     how far past the wall clock a source's clock may run (further events are refused
     *                          upstream; a clock is capped here in any case)
     * @param sourceRetention   a source silent this long is forgotten
     * @param maxSources        sources remembered per partition of rule state (the longest silent is forgotten first)
     * @param maxFeedersPerControl sources that may hold back one control's decisions; further ones do not
     */
    public record Settings(Duration sourceIdleAfter, Duration maxFutureSkew, Duration sourceRetention, int maxSources,
                           int maxFeedersPerControl) {
        public static final Settings DEFAULTS = new Settings(Duration.ofMinutes(15), Duration.ofMinutes(5),
                Duration.ofDays(7), 10_000, 256);
    }

    /** A control whose grace is shorter than the delay of a source feeding it: its events risk being late. */
    public record GraceWarning(String controlId, Duration grace, String source, Duration delay) {
        public String message() {
            return "control " + controlId + " has a grace of " + Durations.format(grace) + " but its source " + source
                    + " delivered events up to " + Durations.human(delay) + " late in the last hour: events that late"
                    + " risk being recorded late instead of evaluated; raise the grace or speed up the source";
        }
    }

    private final ControlEngine engine;
    private final Settings settings;
    private final Map<String, Control> controls = new LinkedHashMap<>();
    private final Map<String, RuleLogic<?>> logic = new LinkedHashMap<>();
    /** Absence controls that declare keys: checked on every call, so kept apart from the rest. */
    private final List<Control> declaringAbsences = new ArrayList<>();
    /** The clocks of each store this runtime works on, kept as long as the store is. */
    private final Map<RuleStore, SourceClocks> clocks = Collections.synchronizedMap(new WeakHashMap<>());

    public StatefulRuntime(ControlEngine engine) {
        this(engine, Settings.DEFAULTS);
    }

    public StatefulRuntime(ControlEngine engine, Settings settings) {
        this.engine = engine;
        this.settings = settings;
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

    /**
     * Folds one routed event into its (control, key) state and decides what is due.
     *
     * @param wall wall-clock time now: when the event is evaluated
     */
    public List<ControlExecution> onEvent(RoutedEvent routed, RuleStore store, Instant wall) {
        return onEvent(routed, store, wall, retired -> { });
    }

    /**
     * As {@link #onEvent(RoutedEvent, RuleStore, Instant)}, telling {@code retired} of every absence key retired by
     * what became due (they record no execution).
     */
    public List<ControlExecution> onEvent(RoutedEvent routed, RuleStore store, Instant wall, Consumer<RetiredKey> retired) {
        List<ControlExecution> out = new ArrayList<>();
        Control control = controls.get(routed.controlId());
        if (control == null) {
            return out; // the control left the pack since the event was routed
        }
        SourceClocks sources = clocks(store);
        EventRef event = routed.event();
        long w = wall.toEpochMilli();
        long t = event.time().toEpochMilli();
        String clockId = SourceClocks.clockOf(event.source(), event.backfilled());
        seedDeclaredKeys(store, sources, w, wall);
        long grace = grace(control).toMillis();
        RuleState existing = store.get(routed.stateKey());
        Long keyDecided = existing != null && control.version().equals(existing.controlVersion) ? existing.decidedUpTo : null;
        String late = null;
        if (sources.known(clockId) && t < sources.latest(clockId) - grace) {
            late = "late event: its time " + event.time() + " is more than the grace of " + Durations.format(grace(control))
                    + " behind its source's clock " + Instant.ofEpochMilli(sources.latest(clockId))
                    + "; recorded, not evaluated";
        } else if (keyDecided != null && t < keyDecided - grace) {
            late = "late event: its time " + event.time() + " is more than the grace of " + Durations.format(grace(control))
                    + " behind " + Instant.ofEpochMilli(keyDecided) + ", up to which the control had already decided for '"
                    + routed.key() + "'; recorded, not evaluated";
        }
        sources.observe(clockId, event.backfilled(), t, w);
        sources.feeds(control.id(), clockId);
        if (late != null) {
            if (recordsLate(control, routed, store)) {
                out.add(Executions.decided(engine.pack(), control,
                        ExecutionIds.of(control.id(), event.source(), event.id()), ExecutionResult.ERROR, late, null,
                        routed.key(), event, event.time(), wall, List.of(event.id()), true));
            }
        } else {
            // what was due before this event is decided first: an event never hides a deadline it came after
            fireDue(store, sources, w, wall, out, retired);
            apply(control, routed.key(), store, wall, out, retired, event, Long.MIN_VALUE, new Step() {
                @Override
                public <S extends RuleState> void run(RuleLogic<S> l, Decisions d, S state) {
                    l.onEvent(d, state, routed);
                }
            });
        }
        fireDue(store, sources, w, wall, out, retired);
        return out;
    }

    /**
     * Looks at the time: decides what has become due as the wall clock moved (sources idle, controls fed by no
     * source), and forgets sources silent for longer than the retention.
     */
    public List<ControlExecution> onTime(Instant now, RuleStore store, Instant evaluatedAt) {
        return onTime(now, store, evaluatedAt, retired -> { });
    }

    /**
     * As {@link #onTime(Instant, RuleStore, Instant)}, telling {@code retired} of every absence key retired (they
     * record no execution).
     */
    public List<ControlExecution> onTime(Instant now, RuleStore store, Instant evaluatedAt, Consumer<RetiredKey> retired) {
        SourceClocks sources = clocks(store);
        long w = now.toEpochMilli();
        seedDeclaredKeys(store, sources, w, evaluatedAt);
        sources.forgetSilent(w, settings.sourceRetention().toMillis());
        List<ControlExecution> out = new ArrayList<>();
        fireDue(store, sources, w, evaluatedAt, out, retired);
        return out;
    }

    /**
     * Controls whose grace is shorter than the delay lately shown by a source feeding them, over every store this
     * runtime works on.
     */
    public List<GraceWarning> graceWarnings(Instant wall) {
        Map<String, GraceWarning> warnings = new LinkedHashMap<>();
        List<SourceClocks> all;
        synchronized (clocks) {
            all = new ArrayList<>(clocks.values());
        }
        for (SourceClocks sources : all) {
            for (Control control : controls.values()) {
                Duration grace = grace(control);
                for (SourceClocks.SourceView feeder : sources.feedersOf(control.id(), wall.toEpochMilli())) {
                    if (!feeder.backfill() && feeder.delayMillis() > grace.toMillis()) {
                        warnings.merge(control.id() + "\u0000" + feeder.source(), new GraceWarning(control.id(), grace,
                                feeder.source(), Duration.ofMillis(feeder.delayMillis())),
                                (a, b) -> a.delay().compareTo(b.delay()) >= 0 ? a : b);
                    }
                }
            }
        }
        return List.copyOf(warnings.values());
    }

    private SourceClocks clocks(RuleStore store) {
        return clocks.computeIfAbsent(store, s -> new SourceClocks(s, controls.keySet(),
                settings.sourceIdleAfter().toMillis(), settings.maxFutureSkew().toMillis(), settings.maxSources(),
                settings.maxFeedersPerControl()));
    }

    /**
     * Whether a late event is worth an execution. For an absence, an event older than the key's last arrival proves
     * nothing new (e.g. any late event of a source that was heard from since): recording it would only add noise.
     */
    private static boolean recordsLate(Control control, RoutedEvent routed, RuleStore store) {
        return !(control.rule() instanceof AbsenceRule
                && store.get(routed.stateKey()) instanceof AbsenceLogic.State absence
                && absence.lastSeen != null && routed.event().time().toEpochMilli() <= absence.lastSeen);
    }

    /** Decides, control by control, the deadlines its effective time has passed. */
    private void fireDue(RuleStore store, SourceClocks sources, long wall, Instant evaluatedAt, List<ControlExecution> out,
                         Consumer<RetiredKey> retired) {
        long bound = sources.effectiveTimeBound(wall);
        for (Control control : controls.values()) {
            Instant next = store.nextDeadline(control.id());
            if (next == null || next.toEpochMilli() > bound) {
                continue; // not due whatever its feeders show: their watermarks are not looked at (twice an event)
            }
            long effective = sources.effectiveTime(control.id(), wall);
            if (next.toEpochMilli() > effective) {
                continue;
            }
            Instant now = Instant.ofEpochMilli(effective);
            for (RuleStore.Deadline due : store.dueDeadlines(control.id(), now)) {
                store.removeDeadline(due.at(), due.stateKey());
                if (!takeDueEntry(control, store, due, effective)) {
                    continue;
                }
                apply(control, StateKeys.key(due.stateKey()), store, evaluatedAt, out, retired, null, effective, new Step() {
                    @Override
                    public <S extends RuleState> void run(RuleLogic<S> l, Decisions d, S state) {
                        boolean pending = !state.empty(); // else only kept to recognise late events: nothing to decide
                        l.onTime(d, state, now);
                        if (pending) {
                            state.decidedUpTo = state.decidedUpTo == null ? effective : Math.max(state.decidedUpTo, effective);
                        }
                    }
                });
            }
        }
    }

    /**
     * Whether a due index entry (already removed) is to be decided now. An entry left behind when the state's
     * deadline moved later (see {@link #save}) is moved to the state's deadline instead, and an entry the state no
     * longer uses is dropped: only a deadline the state itself has reached is decided, as when every move was indexed.
     */
    private static boolean takeDueEntry(Control control, RuleStore store, RuleStore.Deadline due, long effective) {
        RuleState state = store.get(due.stateKey());
        if (state == null || !control.version().equals(state.controlVersion) || state.indexedAt == null) {
            return true; // gone, of another version, or indexed at its deadline: as before the lazy index
        }
        if (state.indexedAt != due.at().toEpochMilli()) {
            return false; // the state is indexed elsewhere: a leftover
        }
        if (state.nextDeadline != null && state.nextDeadline > effective) {
            store.addDeadline(Instant.ofEpochMilli(state.nextDeadline), due.stateKey());
            state.indexedAt = state.nextDeadline;
            store.put(due.stateKey(), state);
            return false;
        }
        // the entry is gone: said in the stored state too, so that a rule failing on this deadline cannot leave the
        // state believing in an entry (its next event indexes it afresh)
        state.indexedAt = null;
        store.put(due.stateKey(), state);
        return true;
    }

    /** One change of one state: load (or start) it, change it, save it and its deadline. */
    private interface Step {
        <S extends RuleState> void run(RuleLogic<S> logic, Decisions decisions, S state);
    }

    /** @param now the effective time a deadline is decided at, or {@code Long.MIN_VALUE} for an event */
    private void apply(Control control, String key, RuleStore store, Instant evaluatedAt, List<ControlExecution> out,
                       Consumer<RetiredKey> retired, EventRef event, long now, Step step) {
        applyTyped(logic.get(control.id()), control, key, store, evaluatedAt, out, retired, event, now, step);
    }

    private <S extends RuleState> void applyTyped(RuleLogic<S> l, Control control, String key, RuleStore store,
                                                  Instant evaluatedAt, List<ControlExecution> out,
                                                  Consumer<RetiredKey> retired, EventRef event, long now, Step step) {
        String stateKey = StateKeys.of(control.id(), key);
        int decided = out.size();
        RuleState stored = store.get(stateKey);
        S state = load(l, stored, control);
        Long previousDeadline = state.nextDeadline;
        Long indexedAt = state.indexedAt;
        // what a deadline decides belongs to a backfill when the backfill's events were the last to shape the state
        boolean fromBackfill = event != null ? event.backfilled() : Boolean.TRUE.equals(state.backfill);
        Decisions decisions = new Decisions(engine.pack(), control, key, evaluatedAt, out, fromBackfill);
        try {
            step.run(l, decisions, state);
        } catch (RuntimeException e) {
            // nothing of this step is kept: its decisions go, the state is read again as it was stored
            out.subList(decided, out.size()).clear();
            store.forget(stateKey);
            // a deadline that cannot be decided is not retried every tick (fireDue took it off the index): the key's
            // next event sets a new one
            out.add(ruleError(control, key, event, evaluatedAt, e));
            return;
        }
        if (event != null) {
            state.backfill = event.backfilled() ? Boolean.TRUE : null;
        }
        save(store, stateKey, state, settings.sourceIdleAfter().toMillis(), now,
                indexedAt != null ? indexedAt : previousDeadline, indexedAt != null);
        if (decisions.retired() != null) {
            retired.accept(decisions.retired());
        }
    }

    /**
     * The ERROR execution for an event whose processing failed outside a rule step (a defect in the bookkeeping around
     * it): evidence that the event was not evaluated, never a log line alone. Empty when the control left the pack.
     */
    public List<ControlExecution> failed(RoutedEvent routed, Instant evaluatedAt, RuntimeException e) {
        Control control = controls.get(routed.controlId());
        return control == null ? List.of() : List.of(ruleError(control, routed.key(), routed.event(), evaluatedAt, e));
    }

    private ControlExecution ruleError(Control control, String key, EventRef event, Instant evaluatedAt, RuntimeException e) {
        String what = event != null ? "event " + event.id() : "a deadline";
        String reason = "rule error: control " + control.id() + " could not evaluate " + what + " for key '" + key
                + "': " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())
                + "; its state was left as before";
        Instant at = event != null ? event.time() : evaluatedAt;
        String id = ExecutionIds.of(control.id(), "urn:controlwatch:rule-error:" + key,
                event != null ? event.source() + "\u0000" + event.id() : at.toString());
        return Executions.decided(engine.pack(), control, id, ExecutionResult.ERROR, reason, null, key, event, at,
                evaluatedAt, event != null ? List.of(event.id()) : List.of(), false);
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

    /**
     * Saves a state and its next deadline. A state with nothing left to decide is still kept for {@code keep} after
     * its last decision, so that an event of a source that did not hold that decision back is found late rather
     * than deciding the same window or deadline a second time; then it is deleted.
     * <p>
     * A deadline that moves later keeps its index entry ({@code entry}, when {@code known} to exist): the entry comes
     * up early and {@link #takeDueEntry} moves it then. An absence's deadline moves on every arrival; indexing each
     * move cost a delete and a new key per event (a changelog record per event that no cache can merge).
     *
     * @param entry where the index holds the state now, or null
     * @param known whether that entry is known to exist (else it may not, and is only removed)
     */
    private static void save(RuleStore store, String stateKey, RuleState state, long keep, long now, Long entry,
                             boolean known) {
        if (state.empty()) {
            if (state.decidedUpTo == null || keep <= 0 || now >= state.decidedUpTo + keep) {
                if (entry != null) {
                    store.removeDeadline(Instant.ofEpochMilli(entry), stateKey);
                }
                store.delete(stateKey);
                return;
            }
            state.nextDeadline = state.decidedUpTo + keep;
        }
        Long next = state.nextDeadline;
        if (next == null) {
            if (entry != null) {
                store.removeDeadline(Instant.ofEpochMilli(entry), stateKey);
            }
            state.indexedAt = null;
        } else if (!(known && entry <= next)) {
            if (entry != null && !entry.equals(next)) {
                store.removeDeadline(Instant.ofEpochMilli(entry), stateKey);
            }
            store.addDeadline(Instant.ofEpochMilli(next), stateKey);
            state.indexedAt = next;
        }
        store.put(stateKey, state);
    }

    /** Keys an absence control declares are expected from the moment the control (this version) starts. */
    private void seedDeclaredKeys(RuleStore store, SourceClocks sources, long wall, Instant evaluatedAt) {
        for (Control control : declaringAbsences) {
            AbsenceRule rule = (AbsenceRule) control.rule();
            String marker = "seeded:" + control.id() + "@" + control.version();
            if (store.meta(marker) != null) {
                continue;
            }
            Instant start = Instant.ofEpochMilli(sources.effectiveTime(control.id(), wall));
            AbsenceLogic absence = (AbsenceLogic) logic.get(control.id());
            for (String key : rule.keys()) {
                String stateKey = StateKeys.of(control.id(), key);
                if (!store.owns(stateKey)) {
                    continue;
                }
                RuleState stored = store.get(stateKey);
                // a state the control's previous version left is not this version's: the key is expected afresh
                if (stored == null || !control.version().equals(stored.controlVersion)) {
                    AbsenceLogic.State state = absence.declared(start);
                    state.controlVersion = control.version();
                    save(store, stateKey, state, 0, Long.MIN_VALUE, null, false);
                }
            }
            store.putMeta(marker, start.toString());
        }
    }

    /** The grace of a stateful control (only those are in {@link #controls}). */
    private static Duration grace(Control control) {
        if (control.rule() instanceof ThresholdRule r) return r.grace();
        if (control.rule() instanceof AbsenceRule r) return r.grace();
        return ((CorrelationRule) control.rule()).grace();
    }
}
