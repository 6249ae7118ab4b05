package io.controlwatch.evaluation.stream;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The evaluation service's wall clock in topology tests: moved by the test as events "arrive" and time passes, so
 * source delays, idle sources and the future-time bound can be played out deterministically.
 */
final class ManualClock extends Clock {

    private volatile Instant now;

    ManualClock(Instant start) {
        this.now = start;
    }

    /** Moves to {@code to} unless the clock is already later (wall-clock time never goes back). */
    void moveTo(Instant to) {
        if (to.isAfter(now)) {
            now = to;
        }
    }

    void advance(Duration by) {
        now = now.plus(by);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return now;
    }
}
