package io.controlwatch.ingest.service;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The last hour's delay quantiles, on logical time. */
class DelayWindowTest {

    static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");

    @Test
    void anEmptyWindowHasNoQuantiles() {
        DelayWindow window = new DelayWindow();
        assertThat(window.quantile(0.5, T0)).isNull();
        assertThat(window.count(T0)).isZero();
    }

    @Test
    void p50AndP99OfAMostlyPromptSourceWithAFewLateEvents() {
        DelayWindow window = new DelayWindow();
        // 98 events 2-5 s late, 2 events 4 minutes late (a poller's burst)
        for (int i = 0; i < 98; i++) {
            window.record(2 + (i % 3), T0.plusSeconds(i));
        }
        window.record(240, T0.plusSeconds(100));
        window.record(240, T0.plusSeconds(101));
        Instant now = T0.plusSeconds(120);
        assertThat(window.count(now)).isEqualTo(100);
        assertThat(window.quantile(0.5, now)).isBetween(2.0, 5.0);
        // the 99th of 100 delays is one of the late ones: in the 120-300 s bucket, never in the prompt ones
        assertThat(window.quantile(0.99, now)).isBetween(120.0, 300.0);
    }

    @Test
    void aQuantileIsInterpolatedInsideItsBucket() {
        DelayWindow window = new DelayWindow();
        for (int i = 0; i < 10; i++) {
            window.record(45, T0); // bucket (30, 60]
        }
        assertThat(window.quantile(0.5, T0)).isCloseTo(45.0, within(0.01));
        assertThat(window.quantile(1.0, T0)).isCloseTo(60.0, within(0.01));
    }

    @Test
    void minutesOlderThanAnHourLeaveTheWindow() {
        DelayWindow window = new DelayWindow();
        window.record(3600, T0);                       // one very late event at 10:00
        for (int i = 1; i <= 59; i++) {
            window.record(1, T0.plus(Duration.ofMinutes(i)));
        }
        Instant at1059 = T0.plus(Duration.ofMinutes(59));
        assertThat(window.count(at1059)).isEqualTo(60);
        assertThat(window.quantile(1.0, at1059)).isGreaterThan(1800.0);
        Instant at1100 = T0.plus(Duration.ofMinutes(60));
        assertThat(window.count(at1100)).as("10:00's minute is out of the last hour").isEqualTo(59);
        assertThat(window.quantile(1.0, at1100)).isLessThanOrEqualTo(1.0);
        // the ring reuses 10:00's slot for 11:00 without mixing the two
        window.record(10, at1100);
        assertThat(window.count(at1100)).isEqualTo(60);
        assertThat(window.quantile(1.0, at1100)).isLessThanOrEqualTo(10.0);
        assertThat(window.count(T0.plus(Duration.ofHours(3)))).isZero();
    }

    @Test
    void negativeAndHugeDelaysStayInRange() {
        DelayWindow window = new DelayWindow();
        window.record(-30, T0);
        assertThat(window.quantile(0.5, T0)).isBetween(0.0, 0.1);
        DelayWindow old = new DelayWindow();
        old.record(Duration.ofDays(40).toSeconds(), T0);
        assertThat(old.quantile(0.99, T0)).isGreaterThan(604800.0);
    }

    @Test
    void aClockGoingBackDoesNotCorruptTheWindow() {
        DelayWindow window = new DelayWindow();
        window.record(5, T0.plus(Duration.ofHours(2)));
        window.record(500, T0); // two hours back, same slot: ignored
        assertThat(window.count(T0.plus(Duration.ofHours(2)))).isEqualTo(1);
        assertThat(window.quantile(1.0, T0.plus(Duration.ofHours(2)))).isLessThanOrEqualTo(5.0);
    }
}
