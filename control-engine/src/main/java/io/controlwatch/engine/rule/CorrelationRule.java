package io.controlwatch.engine.rule;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Event {@code first} and event {@code then} of two streams, joined on a key each computes.
 *
 * @param mode   how the two must relate
 * @param within for {@link Mode#FOLLOWED_WITHIN} and {@link Mode#PRECEDED_WITHIN}: the allowed gap
 * @param after  for {@link Mode#NOT_FOLLOWED_AFTER}: a {@code then} this long or longer after a {@code first}
 *               violates the control
 * @param grace  how long a decision waits for out-of-order events
 */
public record CorrelationRule(EventMatcher first, EventMatcher then, Mode mode, Duration within, Duration after,
                              Duration grace) implements Rule {

    /** How {@code first} and {@code then} must relate. */
    public enum Mode {
        /** Every {@code first} must be followed by a {@code then} within {@code within} (e.g. SEV1 → post-mortem in 10 d). */
        FOLLOWED_WITHIN("followed-within"),
        /** Every {@code then} must be preceded by a {@code first} within {@code within} (e.g. deploy ← approved PR). */
        PRECEDED_WITHIN("preceded-within"),
        /** A {@code then} at least {@code after} after a {@code first} fails (e.g. login after termination + 24 h). */
        NOT_FOLLOWED_AFTER("not-followed-after");

        public final String yaml;

        Mode(String yaml) {
            this.yaml = yaml;
        }

        public static Mode parse(String value) {
            for (Mode mode : values()) {
                if (mode.yaml.equals(value)) {
                    return mode;
                }
            }
            throw new IllegalArgumentException("mode must be one of followed-within, preceded-within, not-followed-after");
        }
    }

    /**
     * One side of a correlation.
     *
     * @param on   event types
     * @param when optional CEL filter
     * @param key  CEL string joining the two sides (e.g. {@code data.email} and {@code data.user})
     */
    public record EventMatcher(List<String> on, String when, String key) {
    }

    @Override
    public List<String> eventTypes() {
        List<String> types = new ArrayList<>(first.on());
        then.on().stream().filter(t -> !types.contains(t)).forEach(types::add);
        return types;
    }

    @Override
    public String kind() {
        return "correlation";
    }
}
