package io.controlwatch.engine.internal.state;

import io.controlwatch.engine.RuleState;

import io.controlwatch.engine.RoutedEvent;
import io.controlwatch.engine.internal.Durations;
import io.controlwatch.engine.rule.ThresholdRule;
import io.controlwatch.model.ExecutionResult;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Count or distinct count per key in tumbling or hopping windows on event time. A window fails the moment its
 * count reaches the threshold (so a burst pages at once) and otherwise passes when it closes at end + grace.
 */
public final class ThresholdLogic implements RuleLogic<ThresholdLogic.State> {

    public static final class State extends RuleState {
        /** Open windows by start (epoch millis). */
        public TreeMap<Long, Window> windows = new TreeMap<>();

        @Override
        public boolean empty() {
            return windows.isEmpty();
        }
    }

    public static final class Window {
        public long count;
        public Set<String> distinct;
        /** The counted events, up to the threshold: the evidence of the decision. */
        public List<String> eventIds = new ArrayList<>();
        public boolean failed;
    }

    private final ThresholdRule rule;
    private final long size;
    private final long advance;
    private final long grace;

    public ThresholdLogic(ThresholdRule rule) {
        this.rule = rule;
        this.size = rule.window().toMillis();
        this.advance = rule.advance() == null ? size : rule.advance().toMillis();
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

    @Override
    public void onEvent(Decisions decisions, State state, RoutedEvent event) {
        long t = event.event().time().toEpochMilli();
        // every window [s, s + size) holding t; s runs over multiples of `advance`
        for (long s = Math.floorDiv(t, advance) * advance; s > t - size; s -= advance) {
            Window w = state.windows.computeIfAbsent(s, start -> new Window());
            if (w.failed) {
                continue; // decided; later events of the window change nothing
            }
            long measure;
            boolean counted = true;
            if (rule.distinct() != null) {
                if (w.distinct == null) {
                    w.distinct = new HashSet<>();
                }
                counted = w.distinct.add(event.distinct());
                measure = w.distinct.size();
            } else {
                measure = ++w.count;
            }
            if (counted && w.eventIds.size() < rule.atLeast()) {
                w.eventIds.add(event.event().id());
            }
            if (measure >= rule.atLeast()) {
                w.failed = true;
                long start = s;
                decisions.aboutTime("window", Instant.ofEpochMilli(s), event.event(), ExecutionResult.FAIL,
                        describe(measure, s) + " reached " + rule.atLeast(), () -> facts(measure, start),
                        event.event().time(), List.copyOf(w.eventIds));
            }
        }
        state.nextDeadline = nextClose(state);
    }

    @Override
    public void onTime(Decisions decisions, State state, Instant now) {
        long n = now.toEpochMilli();
        for (Iterator<Map.Entry<Long, Window>> it = state.windows.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, Window> entry = it.next();
            long start = entry.getKey();
            if (start + size + grace > n) {
                break; // windows are ordered by start, and all have the same length
            }
            Window w = entry.getValue();
            if (!w.failed) {
                long measure = rule.distinct() != null ? (w.distinct == null ? 0 : w.distinct.size()) : w.count;
                decisions.aboutTime("window", Instant.ofEpochMilli(start), null, ExecutionResult.PASS,
                        describe(measure, start) + " stayed below " + rule.atLeast(), null, Instant.ofEpochMilli(start + size),
                        List.copyOf(w.eventIds));
            }
            it.remove();
        }
        state.nextDeadline = nextClose(state);
    }

    private Long nextClose(State state) {
        return state.windows.isEmpty() ? null : state.windows.firstKey() + size + grace;
    }

    /** What a threshold's message may name: the same facts as its reason. */
    private Map<String, Object> facts(long measure, long start) {
        return Map.of("count", measure, "atLeast", (long) rule.atLeast(), "window", Durations.format(rule.window()),
                "windowStart", Instant.ofEpochMilli(start).toString(),
                "windowEnd", Instant.ofEpochMilli(start + size).toString());
    }

    private String describe(long measure, long start) {
        return (rule.distinct() != null ? "distinct count " : "count ") + measure + " in window ["
                + Instant.ofEpochMilli(start) + ", " + Durations.format(rule.window()) + ")";
    }
}
