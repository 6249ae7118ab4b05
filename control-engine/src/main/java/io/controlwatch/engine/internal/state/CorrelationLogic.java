package io.controlwatch.engine.internal.state;

import io.controlwatch.engine.RuleState;

import io.controlwatch.engine.EventRef;
import io.controlwatch.engine.RoutedEvent;
import io.controlwatch.engine.internal.Durations;
import io.controlwatch.engine.internal.MessageVariables;
import io.controlwatch.engine.rule.CorrelationRule;
import io.controlwatch.model.ExecutionResult;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Joins {@code first} and {@code then} events of one key. Decisions wait up to the control's grace for events
 * that arrive out of order, so the result is the same whichever of the two comes first.
 */
public final class CorrelationLogic implements RuleLogic<CorrelationLogic.State> {

    /** At most this many past events are kept per key and list; older ones are forgotten first. */
    static final int MAX_REMEMBERED = 50;
    /**
     * not-followed-after keeps a key's thens while a late first may still come (the grace): every login of every
     * user, for a control like "no login after termination". Only the latest few are kept: the state of a busy key
     * is rewritten on each of its events, and a late first still fails the most recent thens, which matter most.
     */
    static final int MAX_PENDING_THENS = 8;
    /** A failed first stays open for a late follow-up this many intervals; then it is forgotten. */
    static final long FAILED_RETENTION = 10;

    public static final class State extends RuleState {
        /** followed-within: firsts awaiting a then; other modes: recent firsts. */
        public List<Ref> firsts = new ArrayList<>();
        /** followed-within: recent thens (for firsts that arrive late); other modes: thens awaiting a decision. */
        public List<Ref> thens = new ArrayList<>();
        /** followed-within: firsts that failed, awaiting the follow-up that resolves them. */
        public List<Ref> failed = new ArrayList<>();

        @Override
        public boolean empty() {
            return firsts.isEmpty() && thens.isEmpty() && failed.isEmpty();
        }
    }

    private final CorrelationRule rule;
    private final long within;
    private final long after;
    private final long grace;
    private final String thenTypes;
    private final String firstTypes;

    public CorrelationLogic(CorrelationRule rule) {
        this.rule = rule;
        this.within = rule.within() == null ? 0 : rule.within().toMillis();
        this.after = rule.after() == null ? 0 : rule.after().toMillis();
        this.grace = rule.grace().toMillis();
        this.thenTypes = String.join(" or ", rule.then().on());
        this.firstTypes = String.join(" or ", rule.first().on());
    }

    @Override
    public Class<State> stateType() {
        return State.class;
    }

    @Override
    public State newState() {
        return new State();
    }

    @Override
    public void onEvent(Decisions d, State state, RoutedEvent routed) {
        EventRef e = routed.event();
        boolean first = RoutedEvent.FIRST.equals(routed.role());
        switch (rule.mode()) {
            case FOLLOWED_WITHIN -> {
                if (first) followedWithinFirst(d, state, e);
                else followedWithinThen(d, state, e);
            }
            case PRECEDED_WITHIN -> {
                if (first) precededWithinFirst(d, state, e);
                else precededWithinThen(d, state, e);
            }
            case NOT_FOLLOWED_AFTER -> {
                if (first) notFollowedAfterFirst(d, state, e);
                else notFollowedAfterThen(d, state, e);
            }
        }
        state.nextDeadline = nextDeadline(state);
    }

    @Override
    public void onTime(Decisions d, State state, Instant now) {
        long n = now.toEpochMilli();
        switch (rule.mode()) {
            case FOLLOWED_WITHIN -> {
                for (Iterator<Ref> it = state.firsts.iterator(); it.hasNext(); ) {
                    Ref f = it.next();
                    if (f.decideAt <= n) {
                        failFirst(d, f);
                        it.remove();
                        remember(state.failed, f);
                    }
                }
                state.thens.removeIf(t -> t.time + within + grace <= n);
                state.failed.removeIf(f -> f.time + FAILED_RETENTION * within <= n);
            }
            case PRECEDED_WITHIN -> {
                for (Iterator<Ref> it = state.thens.iterator(); it.hasNext(); ) {
                    Ref t = it.next();
                    if (t.decideAt <= n) {
                        EventRef then = t.toEventRef();
                        d.aboutEvent(then, ExecutionResult.FAIL, "no " + firstTypes + " within "
                                        + Durations.format(rule.within()) + " before " + t.type + " " + t.id,
                                () -> Map.of("then", MessageVariables.attributes(then),
                                        "within", Durations.format(rule.within())),
                                Instant.ofEpochMilli(t.time), List.of(t.id));
                        it.remove();
                    }
                }
                state.firsts.removeIf(f -> f.time + within + grace <= n);
            }
            case NOT_FOLLOWED_AFTER ->
                // no first for these keys: the control does not apply to them (no execution)
                    state.thens.removeIf(t -> t.decideAt <= n);
        }
        state.nextDeadline = nextDeadline(state);
    }

    // --- followed-within: every first needs a then within `within` ---

    private void followedWithinFirst(Decisions d, State state, EventRef f) {
        long ft = f.time().toEpochMilli();
        Ref then = state.thens.stream().filter(t -> t.time >= ft && t.time <= ft + within)
                .min(Comparator.comparingLong(t -> t.time)).orElse(null);
        if (then != null) {
            d.aboutEvent(f, ExecutionResult.PASS, null, Instant.ofEpochMilli(then.time), List.of(f.id(), then.id));
        } else {
            remember(state.firsts, Ref.of(f, ft + within + grace));
        }
    }

    private void followedWithinThen(Decisions d, State state, EventRef t) {
        long tt = t.time().toEpochMilli();
        for (Iterator<Ref> it = state.firsts.iterator(); it.hasNext(); ) {
            Ref f = it.next();
            if (tt >= f.time && tt <= f.time + within) {
                d.aboutEvent(f.toEventRef(), ExecutionResult.PASS, null, t.time(), List.of(f.id, t.id()));
                it.remove();
            } else if (tt > f.time + within) {
                // the follow-up came after the deadline, while the decision still waited for stragglers: the
                // deadline was missed (the same FAIL the timer makes), and this follow-up resolves it below
                failFirst(d, f);
                it.remove();
                remember(state.failed, f);
            }
        }
        // one then resolves every earlier failed first: one execution, naming them all
        List<String> resolved = new ArrayList<>();
        for (Iterator<Ref> it = state.failed.iterator(); it.hasNext(); ) {
            Ref f = it.next();
            if (tt >= f.time) {
                resolved.add(f.id);
                it.remove();
            }
        }
        if (!resolved.isEmpty()) {
            List<String> evidence = new ArrayList<>(resolved);
            evidence.add(t.id());
            d.aboutEvent(t, ExecutionResult.PASS, "resolved: " + t.type() + " arrived after the deadline of "
                    + String.join(", ", resolved), t.time(), evidence);
        }
        remember(state.thens, Ref.of(t, null));
    }

    private void failFirst(Decisions d, Ref f) {
        EventRef first = f.toEventRef();
        Instant deadline = Instant.ofEpochMilli(f.time + within);
        d.aboutEvent(first, ExecutionResult.FAIL, "no " + thenTypes + " within "
                        + Durations.format(rule.within()) + " of " + f.type + " " + f.id,
                () -> Map.of("first", MessageVariables.attributes(first), "within", Durations.format(rule.within()),
                        "deadline", deadline.toString()),
                deadline, List.of(f.id));
        f.decideAt = null;
    }

    // --- preceded-within: every then needs a first within `within` before it ---

    private void precededWithinFirst(Decisions d, State state, EventRef f) {
        long ft = f.time().toEpochMilli();
        for (Iterator<Ref> it = state.thens.iterator(); it.hasNext(); ) {
            Ref t = it.next();
            if (t.time >= ft && t.time <= ft + within) {
                d.aboutEvent(t.toEventRef(), ExecutionResult.PASS, null, Instant.ofEpochMilli(t.time), List.of(f.id(), t.id));
                it.remove();
            }
        }
        remember(state.firsts, Ref.of(f, null));
    }

    private void precededWithinThen(Decisions d, State state, EventRef t) {
        long tt = t.time().toEpochMilli();
        Ref first = state.firsts.stream().filter(f -> f.time <= tt && f.time >= tt - within)
                .max(Comparator.comparingLong(f -> f.time)).orElse(null);
        if (first != null) {
            d.aboutEvent(t, ExecutionResult.PASS, null, t.time(), List.of(first.id, t.id()));
        } else {
            remember(state.thens, Ref.of(t, tt + grace));
        }
    }

    // --- not-followed-after: a then `after` or more after a first fails ---

    private void notFollowedAfterFirst(Decisions d, State state, EventRef f) {
        long ft = f.time().toEpochMilli();
        for (Iterator<Ref> it = state.thens.iterator(); it.hasNext(); ) {
            Ref t = it.next();
            if (t.time >= ft) {
                decideNotFollowedAfter(d, Ref.of(f, null), t.toEventRef());
                it.remove();
            }
        }
        remember(state.firsts, Ref.of(f, null));
    }

    private void notFollowedAfterThen(Decisions d, State state, EventRef t) {
        long tt = t.time().toEpochMilli();
        Ref first = state.firsts.stream().filter(f -> f.time <= tt)
                .max(Comparator.comparingLong(f -> f.time)).orElse(null);
        if (first != null) {
            decideNotFollowedAfter(d, first, t);
        } else {
            // a first may still arrive out of order within the grace
            remember(state.thens, Ref.of(t, tt + grace), MAX_PENDING_THENS);
        }
    }

    private void decideNotFollowedAfter(Decisions d, Ref first, EventRef then) {
        long gap = then.time().toEpochMilli() - first.time;
        boolean violated = gap >= after;
        d.aboutEvent(then, violated ? ExecutionResult.FAIL : ExecutionResult.PASS,
                violated ? then.type() + " " + Durations.format(java.time.Duration.ofMillis(gap)) + " after " + first.type
                        + " " + first.id + " (allowed: less than " + Durations.format(rule.after()) + ")" : null,
                () -> Map.of("first", MessageVariables.attributes(first.toEventRef()), "then", MessageVariables.attributes(then),
                        "after", Durations.format(rule.after()), "gap", Durations.human(java.time.Duration.ofMillis(gap))),
                then.time(), List.of(first.id, then.id()));
    }

    private static void remember(List<Ref> refs, Ref ref) {
        remember(refs, ref, MAX_REMEMBERED);
    }

    private static void remember(List<Ref> refs, Ref ref, int max) {
        refs.add(ref);
        if (refs.size() > max) {
            refs.sort(Comparator.comparingLong(r -> r.time));
            refs.remove(0);
        }
    }

    /** The earliest time something is due: a pending decision, or a remembered event to forget. */
    private Long nextDeadline(State state) {
        Long next = null;
        for (List<Ref> refs : List.of(state.firsts, state.thens)) {
            for (Ref r : refs) {
                next = earliest(next, r.decideAt);
            }
        }
        switch (rule.mode()) {
            case FOLLOWED_WITHIN -> {
                for (Ref t : state.thens) next = earliest(next, t.time + within + grace);
                for (Ref f : state.failed) next = earliest(next, f.time + FAILED_RETENTION * within);
            }
            case PRECEDED_WITHIN -> {
                for (Ref f : state.firsts) next = earliest(next, f.time + within + grace);
            }
            case NOT_FOLLOWED_AFTER -> {
                // firsts (e.g. terminations) are remembered for good: a login a year later must still fail
            }
        }
        return next;
    }

    private static Long earliest(Long a, Long b) {
        if (b == null) {
            return a;
        }
        if (a == null) {
            return b;
        }
        return Math.min(a, b);
    }
}
