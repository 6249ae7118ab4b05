package io.controlwatch.engine.internal.state;

import io.controlwatch.engine.RuleState;

import io.controlwatch.engine.EventRef;
import io.controlwatch.engine.RoutedEvent;
import io.controlwatch.engine.internal.Durations;
import io.controlwatch.engine.rule.AbsenceRule;
import io.controlwatch.model.ExecutionResult;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An expected event per key within an interval. Every arrival passes; the interval ending without one fails once
 * (at the deadline, decided when stream time passes deadline + grace), and the next arrival resolves it. One
 * failure per silence, however long it lasts: the failure stays open until the key is heard from again, or, with
 * {@code retireAfter}, until the key has been silent that long after its failure was due (deadline + grace): it is
 * then retired (its state forgotten, no execution) and its next arrival is a first sighting. Declared keys never
 * retire.
 */
public final class AbsenceLogic implements RuleLogic<AbsenceLogic.State> {

    public static final class State extends RuleState {
        public Long lastSeen;
        public String lastEventId;
        /** When the next expected event is due (epoch millis). */
        public long deadline;
        /** The deadline that was missed and not yet resolved, if any. */
        public Long missingSince;

        /**
         * Nothing known: a key retired, or a state started afresh (e.g. of a changed control's old key, come up at its
         * old deadline), has nothing to decide and is deleted. Otherwise a key once seen stays expected.
         */
        @Override
        public boolean empty() {
            return lastSeen == null && deadline == 0;
        }
    }

    private final AbsenceRule rule;
    private final long within;
    private final long grace;
    /** Millis, or null: keys are expected forever. */
    private final Long retireAfter;
    private final Set<String> declared;

    public AbsenceLogic(AbsenceRule rule) {
        this.rule = rule;
        this.within = rule.within().toMillis();
        this.grace = rule.grace().toMillis();
        this.retireAfter = rule.retireAfter() == null ? null : rule.retireAfter().toMillis();
        this.declared = Set.copyOf(rule.keys());
    }

    @Override
    public Class<State> stateType() {
        return State.class;
    }

    @Override
    public State newState() {
        return new State();
    }

    /** State of a key declared in the pack but not seen yet: expected within one interval of {@code start}. */
    public State declared(Instant start) {
        State state = new State();
        state.deadline = start.toEpochMilli() + within;
        state.nextDeadline = state.deadline + grace;
        return state;
    }

    @Override
    public void onEvent(Decisions decisions, State state, RoutedEvent routed) {
        EventRef event = routed.event();
        long t = event.time().toEpochMilli();
        boolean known = state.lastSeen != null || state.deadline > 0;
        if (known && state.missingSince == null && t > state.deadline) {
            // Arrived after the deadline while the decision still waited (grace) for stragglers: the interval was
            // missed all the same. Same execution as the timer would have made; this arrival then resolves it.
            fail(decisions, state);
        }
        String reason = state.missingSince != null
                ? "resolved: arrived " + Durations.format(java.time.Duration.ofMillis(Math.max(0, t - state.missingSince)))
                + " after the deadline " + Instant.ofEpochMilli(state.missingSince)
                : null;
        if (rule.passOnArrival() || reason != null) {
            decisions.aboutEvent(event, ExecutionResult.PASS, reason, event.time(), List.of(event.id()));
        }
        if (state.lastSeen == null || t > state.lastSeen) {
            state.lastSeen = t;
            state.lastEventId = event.id();
            state.deadline = t + within;
            state.missingSince = null;
        }
        state.nextDeadline = next(state, decisions.key);
    }

    @Override
    public void onTime(Decisions decisions, State state, Instant now) {
        if (state.empty()) {
            return; // no key to expect: not a silence since 1970
        }
        long n = now.toEpochMilli();
        if (state.missingSince == null && state.deadline + grace <= n) {
            fail(decisions, state);
        }
        Long retiresAt = retiresAt(state, decisions.key);
        if (retiresAt != null && retiresAt <= n) {
            // as a deadline: decided when the clock reaches it, so an arrival at that very time is a first sighting
            decisions.retired(Instant.ofEpochMilli(state.missingSince),
                    state.lastSeen == null ? null : Instant.ofEpochMilli(state.lastSeen), Instant.ofEpochMilli(retiresAt));
            state.lastSeen = null;
            state.lastEventId = null;
            state.deadline = 0;
            state.missingSince = null;
            state.nextDeadline = null;
            return;
        }
        state.nextDeadline = next(state, decisions.key);
    }

    /** While a failure is open: nothing more to decide, or, with retireAfter, the key's retirement. */
    private Long next(State state, String key) {
        if (state.missingSince == null) {
            return state.deadline + grace;
        }
        return retiresAt(state, key);
    }

    /** When a failed key stops being expected, or null: never (no retireAfter, a declared key, or not failed). */
    private Long retiresAt(State state, String key) {
        if (state.missingSince == null || retireAfter == null || declared.contains(key)) {
            return null;
        }
        return state.missingSince + grace + retireAfter;
    }

    private void fail(Decisions decisions, State state) {
        Instant deadline = Instant.ofEpochMilli(state.deadline);
        String since = state.lastSeen == null ? "never seen since the control started"
                : "last seen " + Instant.ofEpochMilli(state.lastSeen);
        Long lastSeen = state.lastSeen;
        decisions.aboutTime("absence", deadline, null, ExecutionResult.FAIL,
                "no " + String.join(" or ", rule.expect()) + " for '" + decisions.key + "' within "
                        + Durations.format(rule.within()) + " (" + since + ")",
                () -> Map.of("expected", rule.expect().contains("*") ? "any event" : String.join(" or ", rule.expect()),
                        "within", Durations.format(rule.within()),
                        "deadline", deadline.toString(),
                        "lastSeen", lastSeen == null ? "never" : Instant.ofEpochMilli(lastSeen).toString()),
                deadline, state.lastEventId == null ? List.of() : List.of(state.lastEventId));
        state.missingSince = state.deadline;
    }
}
