package io.controlwatch.alerting;

import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Logical time for the alerting tests: the system clock plus an offset that a test moves forward (an SLA passing, an
 * exemption expiring, a notification's age limit) without waiting. Replaces the service's clock in every test.
 */
@Alternative
@Priority(1)
@Singleton
public class TestClock extends Clock {

    private static final AtomicLong OFFSET_MILLIS = new AtomicLong();

    public static void advance(Duration by) {
        OFFSET_MILLIS.addAndGet(by.toMillis());
    }

    public static Instant now() {
        return Instant.now().plusMillis(OFFSET_MILLIS.get());
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
        return now();
    }
}
