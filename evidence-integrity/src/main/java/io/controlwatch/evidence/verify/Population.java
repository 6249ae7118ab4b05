package io.controlwatch.evidence.verify;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * What an export claims to hold in full: the executions whose event time lies in {@code [from, to)} of the
 * {@code controls} in scope (all controls when empty). Every other row in the exported chain range is a link.
 */
public record Population(Instant from, Instant to, Set<String> controls) {

    public Population {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        if (!from.isBefore(to)) {
            throw new IllegalArgumentException("the period must end after it starts");
        }
        controls = Set.copyOf(controls == null ? Set.of() : controls);
    }

    public boolean inPeriod(Instant eventTime) {
        return !eventTime.isBefore(from) && eventTime.isBefore(to);
    }

    public boolean inScope(String controlId) {
        return controls.isEmpty() || controls.contains(controlId);
    }

    /** True when a row with this event time and control belongs to the population. */
    public boolean contains(Instant eventTime, String controlId) {
        return inPeriod(eventTime) && inScope(controlId);
    }
}
