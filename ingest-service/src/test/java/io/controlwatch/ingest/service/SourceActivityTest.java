package io.controlwatch.ingest.service;

import io.controlwatch.ingest.config.SourcesConfig;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** Per-source activity: delays, idle, backfilled events, and the bounds on labels and tracked sources. */
class SourceActivityTest {

    static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");

    final AtomicReference<Instant> now = new AtomicReference<>(T0);
    final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    SourceActivity activity(int labelled, int tracked) {
        return new SourceActivity(meters, clock, config(labelled, tracked));
    }

    static AcceptedEvent event(String source, Instant time, boolean backfilled) {
        return new AcceptedEvent("id", "key", "{}", "test", source, time, backfilled);
    }

    @Test
    void delaysLastTimesAndIdle() {
        SourceActivity activity = activity(10, 10);
        activity.accepted(List.of(event("https://idp", T0.minusSeconds(240), false), event("https://idp", T0.minusSeconds(2), false)), null);
        SourceActivity.Activity a = activity.observed("https://idp", false).orElseThrow();
        assertThat(a.events()).isEqualTo(2);
        assertThat(a.lastEventTime()).isEqualTo(T0.minusSeconds(2));
        assertThat(a.lastIngestTime()).isEqualTo(T0);
        assertThat(a.delayP99Seconds()).isBetween(120.0, 300.0);
        assertThat(a.idle()).isFalse();
        Timer timer = meters.find("cw.source.delay").tag("source", "https://idp").timer();
        assertThat(timer.count()).isEqualTo(2);

        now.set(T0.plus(Duration.ofMinutes(16)));
        assertThat(activity.observed("https://idp", false).orElseThrow().idle()).isTrue();
        assertThat(activity.observed("https://never-seen", false)).isEmpty();
    }

    @Test
    void backfilledEventsCountButAreNoDelay() {
        SourceActivity activity = activity(10, 10);
        activity.accepted(List.of(event("https://hr", T0.minus(Duration.ofDays(30)), true)), "src_1");
        SourceActivity.Activity a = activity.observed("https://hr", true).orElseThrow();
        assertThat(a.events()).isEqualTo(1);
        assertThat(a.backfilling()).isTrue();
        assertThat(a.delayP50Seconds()).isNull();
        assertThat(activity.registered("src_1").backfilling()).isTrue();
        assertThat(meters.find("cw.source.delay").tag("source", "https://hr").timer()).isNull();
        // accepted all the same
        assertThat(meters.find("cw.source.events.accepted").tag("source", "https://hr").counter().count()).isEqualTo(1);
        assertThat(meters.find("cw.source.events.produced").tag("source_id", "src_1").counter().count()).isEqualTo(1);
    }

    @Test
    void labelsAreBoundedTheRestIsOther() {
        SourceActivity activity = activity(3, 100);
        for (int i = 0; i < 10; i++) {
            activity.accepted(List.of(event("https://s" + i, T0.minusSeconds(1), false)), null);
        }
        assertThat(meters.find("cw.source.delay").timers()).hasSize(4); // s0..s2 and other
        assertThat(meters.find("cw.source.delay").tag("source", SourceActivity.OTHER).timer().count()).isEqualTo(7);
        // the events accepted per source: the same bound, the rest under "other"
        assertThat(meters.find("cw.source.events.accepted").counters()).hasSize(4);
        assertThat(meters.find("cw.source.events.accepted").tag("source", "https://s0").counter().count()).isEqualTo(1);
        assertThat(meters.find("cw.source.events.accepted").tag("source", SourceActivity.OTHER).counter().count()).isEqualTo(7);
        assertThat(activity.observedSources()).hasSize(10);
    }

    @Test
    void trackedSourcesAreBoundedTheLongestSilentIsForgotten() {
        SourceActivity activity = activity(0, 3);
        for (int i = 0; i < 3; i++) {
            now.set(T0.plusSeconds(i));
            activity.accepted(List.of(event("https://s" + i, T0, false)), null);
        }
        now.set(T0.plusSeconds(10));
        activity.accepted(List.of(event("https://s0", T0, false)), null); // s0 speaks again: s1 is now the most silent
        activity.accepted(List.of(event("https://s3", T0, false)), null);
        assertThat(activity.observedSources()).containsExactly("https://s0", "https://s2", "https://s3");
    }

    @Test
    void deliveriesKeepTheLastOneAndTheLastError() {
        SourceActivity activity = activity(10, 10);
        activity.delivery("src_1", "rejected", 0, "400 Delivery not mapped");
        now.set(T0.plusSeconds(5));
        activity.delivery("src_1", "accepted", 3, null);
        assertThat(activity.lastDelivery("src_1")).hasValue(new SourceActivity.LastDelivery(T0.plusSeconds(5), "accepted", 3));
        assertThat(activity.lastError("src_1")).hasValue(new SourceActivity.LastError(T0, "400 Delivery not mapped"));
        assertThat(meters.find("cw.source.payloads").tags("source_id", "src_1", "outcome", "rejected").counter().count()).isEqualTo(1);
        assertThat(activity.lastDelivery("src_2")).isEqualTo(Optional.empty());
    }

    static SourcesConfig config(int labelled, int tracked) {
        return new SourcesConfig() {
            public Optional<String> secretKey() {
                return Optional.empty();
            }

            public Duration rotationOverlap() {
                return Duration.ofHours(24);
            }

            public int maxPayloadBytes() {
                return 1 << 20;
            }

            public Duration writeTimeout() {
                return Duration.ofSeconds(20);
            }

            public Duration startupRead() {
                return Duration.ofSeconds(30);
            }

            public Activity activity() {
                return new Activity() {
                    public int maxLabelledSources() {
                        return labelled;
                    }

                    public int maxTrackedSources() {
                        return tracked;
                    }

                    public Duration idleAfter() {
                        return Duration.ofMinutes(15);
                    }
                };
            }
        };
    }
}
