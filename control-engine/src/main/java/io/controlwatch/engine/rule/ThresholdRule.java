package io.controlwatch.engine.rule;

import java.time.Duration;
import java.util.List;

/**
 * A count (or distinct count) of matching events per key within a window on event time. Each (key, window) with
 * at least one matching event yields one execution: FAIL as soon as the count reaches {@code atLeast}, otherwise
 * PASS when the window closes (its end plus {@code grace}).
 *
 * @param key      CEL string: what is counted separately (e.g. {@code data.user})
 * @param distinct optional CEL string: count distinct values of this instead of events
 * @param window   window length
 * @param advance  null for tumbling windows; otherwise hopping windows that start every {@code advance}
 *                 (a sliding window sampled at that step)
 * @param grace    how long after its end a window still accepts out-of-order events
 */
public record ThresholdRule(List<String> on, String when, String key, String distinct, Duration window,
                            Duration advance, int atLeast, Duration grace) implements Rule {

    @Override
    public List<String> eventTypes() {
        return on;
    }

    @Override
    public String kind() {
        return "threshold";
    }
}
