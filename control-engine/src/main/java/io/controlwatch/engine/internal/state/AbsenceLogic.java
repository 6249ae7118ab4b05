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

/**
 * An expected event per key within an interval. Every arrival passes; the interval ending without one fails once
 * (at the deadline, decided when stream time passes deadline + grace), and the next arrival resolves it. One
 * failure per silence, however long it lasts: the failure stays open until the key is heard from again.
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
         * Nothing known: a state started afresh (e.g. of a changed control's old key, come up at its old deadline) has
         * nothing to decide and is deleted. A key once seen is expected forever.
         */
        @Override
        public boolean empty() {
            return lastSeen == null && deadline == 0;
        }
    }

    private final AbsenceRule rule;
    private final long within;
    private final long grace;

    public AbsenceLogic(AbsenceRule rule) {
        this.rule = rule;
        this.within = rule.within().toMillis();
        this.grace = rule.grace().toMillis();
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
        state.nextDeadline = state.missingSince == null ? state.deadline + grace : null;
    }

    @Override
    public void onTime(Decisions decisions, State state, Instant now) {
        if (state.empty()) {
            return; // no key to expect: not a silence since 1970
        }
        if (state.missingSince == null && state.deadline + grace <= now.toEpochMilli()) {
            fail(decisions, state);
        }
        state.nextDeadline = state.missingSince == null ? state.deadline + grace : null;
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
