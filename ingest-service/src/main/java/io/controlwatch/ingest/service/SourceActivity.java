package io.controlwatch.ingest.service;

import io.controlwatch.ingest.config.SourcesConfig;
import io.controlwatch.ingest.logging.IngestLogging;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this ingest instance saw of each source: per CloudEvents {@code source} of accepted events (last event time,
 * last ingest time, count, the last hour's delay quantiles, idle) and per registered source (the same over the events
 * its deliveries produced, plus its last delivery and last error). In memory and per instance (docs/sources/README.md
 * says so): stats are cheap to rebuild and not evidence; the evidence is the events themselves.
 * <p>
 * Delay is ingest time minus the event's {@code time} (negative clamped to 0), measured when Kafka acknowledged the
 * event; events stamped {@code cwbackfill} count as events but not as delays (history is late on purpose, and would
 * hide how late the source's live events are). The Prometheus histogram {@code cw_source_delay_seconds{source}}
 * gives the first {@code max-labelled-sources} sources a label of their own and counts the rest as {@code other}.
 */
@ApplicationScoped
public class SourceActivity {

    /** Label of every source beyond the labelled ones. */
    public static final String OTHER = "other";

    private static final Duration[] DELAY_BUCKETS = {Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(15),
            Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMinutes(10),
            Duration.ofMinutes(15), Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(2), Duration.ofHours(6),
            Duration.ofHours(12), Duration.ofDays(1), Duration.ofDays(2), Duration.ofDays(7)};

    /** A source's activity as GET /api/v1/sources shows it. */
    public record Activity(Instant lastEventTime, Instant lastIngestTime, long events, Double delayP50Seconds,
                           Double delayP99Seconds, boolean idle, boolean backfilling) {
    }

    /** A registered source's last delivery: when, how it ended (accepted, unsupported, rejected, ...) and its events. */
    public record LastDelivery(Instant time, String outcome, int events) {
    }

    /** A registered source's last refused or failed delivery. */
    public record LastError(Instant time, String reason) {
    }

    private final Map<String, Tracker> observed = new ConcurrentHashMap<>();
    private final Map<String, Tracker> registered = new ConcurrentHashMap<>();
    private final Map<String, Timer> delays = new ConcurrentHashMap<>();
    private final Map<String, Counter> accepted = new ConcurrentHashMap<>();
    private final MeterRegistry meters;
    private final Clock clock;
    private final SourcesConfig.Activity config;
    private final Timer other;

    public SourceActivity(MeterRegistry meters, Clock clock, SourcesConfig config) {
        this.meters = meters;
        this.clock = clock;
        this.config = config.activity();
        this.other = delayTimer(OTHER);
        acceptedCounter(OTHER);
    }

    /** Events Kafka has just acknowledged; {@code registeredId} names the registered source that delivered them, else null. */
    public void accepted(List<AcceptedEvent> events, String registeredId) {
        try {
            record(events, registeredId);
        } catch (RuntimeException e) {
            // the events are durable and answered 202 whatever happens to the figures about them
            IngestLogging.LOG.sourceActivityNotRecorded(events.size(), e.toString());
        }
    }

    private void record(List<AcceptedEvent> events, String registeredId) {
        Instant now = clock.instant();
        Tracker byId = registeredId == null ? null : registered.computeIfAbsent(registeredId, id -> new Tracker());
        for (AcceptedEvent event : events) {
            Double delay = event.time() == null || event.backfilled() ? null
                    : Math.max(0, Duration.between(event.time(), now).toNanos() / 1e9);
            observedTracker(event.source()).add(event, delay, now);
            if (byId != null) {
                byId.add(event, delay, now);
            }
            acceptedCounter(event.source()).increment();
            if (delay != null) {
                delayTimer(event.source()).record(Duration.ofNanos((long) (delay * 1e9)));
            }
        }
        if (registeredId != null) {
            produced(registeredId).increment(events.size());
        }
    }

    /**
     * A registered source's delivery ended: counted as {@code cw_source_payloads_total{source_id,outcome}} and kept as
     * its last delivery; {@code error} (the problem's title and detail) when it was refused or failed.
     */
    public void delivery(String registeredId, String outcome, int events, String error) {
        Instant now = clock.instant();
        payloads(registeredId, outcome).increment();
        Tracker tracker = registered.computeIfAbsent(registeredId, id -> new Tracker());
        tracker.delivered(new LastDelivery(now, outcome, events), error == null ? null : new LastError(now, error));
    }

    /** The CloudEvents sources this instance holds activity for, in order. */
    public SortedSet<String> observedSources() {
        return new TreeSet<>(observed.keySet());
    }

    /** A CloudEvents source's activity, if this instance saw it; {@code backfilling} is the registry's mark. */
    public Optional<Activity> observed(String source, boolean backfilling) {
        Tracker tracker = source == null ? null : observed.get(source);
        return tracker == null ? Optional.empty() : Optional.of(tracker.activity(clock.instant(), config.idleAfter(), backfilling));
    }

    /**
     * A registered source's activity over the events its deliveries produced (never empty: a source that delivered
     * nothing yet is idle with no times); backfilling when its latest event was stamped so.
     */
    public Activity registered(String id) {
        Tracker tracker = registered.get(id);
        Instant now = clock.instant();
        return tracker == null ? new Activity(null, null, 0, null, null, true, false)
                : tracker.activity(now, config.idleAfter(), null);
    }

    public Optional<LastDelivery> lastDelivery(String id) {
        return Optional.ofNullable(registered.get(id)).map(Tracker::lastDelivery);
    }

    public Optional<LastError> lastError(String id) {
        return Optional.ofNullable(registered.get(id)).map(Tracker::lastError);
    }

    /** Registers a registered source's counters at zero, so a dashboard sees 0 rather than no data. */
    public void known(String registeredId) {
        for (String outcome : List.of("accepted", "unsupported", "rejected", "disabled", "unauthenticated", "failed")) {
            payloads(registeredId, outcome);
        }
        produced(registeredId);
    }

    private Counter payloads(String registeredId, String outcome) {
        return Counter.builder("cw.source.payloads")
                .description("Payloads delivered to a registered source, by outcome (their sum is the payloads received)")
                .tags("source_id", registeredId, "outcome", outcome).register(meters);
    }

    private Counter produced(String registeredId) {
        return Counter.builder("cw.source.events.produced")
                .description("Events a registered source's deliveries produced (accepted into cw.events.v1)")
                .tag("source_id", registeredId).register(meters);
    }

    /** The source's own counter while fewer than max-labelled-sources have one, else "other"'s (as the delays). */
    private Counter acceptedCounter(String source) {
        Counter counter = accepted.get(source);
        if (counter != null) {
            return counter;
        }
        synchronized (accepted) {
            counter = accepted.get(source);
            if (counter == null) {
                if (!OTHER.equals(source) && accepted.size() > config.maxLabelledSources()) {
                    return accepted.get(OTHER);
                }
                counter = Counter.builder("cw.source.events.accepted")
                        .description("Events accepted (Kafka acknowledged them), per CloudEvents source, backfilled "
                                + "ones included; beyond cw.sources.activity.max-labelled-sources, under \"other\"")
                        .tag("source", source).register(meters);
                accepted.put(source, counter);
            }
            return counter;
        }
    }

    private Tracker observedTracker(String source) {
        Tracker tracker = observed.get(source);
        if (tracker != null) {
            return tracker;
        }
        synchronized (observed) {
            tracker = observed.get(source);
            if (tracker == null) {
                while (observed.size() >= Math.max(1, config.maxTrackedSources())) {
                    evictLongestSilent();
                }
                tracker = new Tracker();
                observed.put(source, tracker);
            }
            return tracker;
        }
    }

    private void evictLongestSilent() {
        String silent = null;
        Instant oldest = null;
        for (Map.Entry<String, Tracker> e : observed.entrySet()) {
            Instant last = e.getValue().lastIngestTime();
            if (silent == null || last == null || (oldest != null && last.isBefore(oldest))) {
                silent = e.getKey();
                oldest = last;
                if (last == null) {
                    break;
                }
            }
        }
        if (silent != null) {
            observed.remove(silent);
        }
    }

    /** The source's own histogram while fewer than max-labelled-sources have one, else "other"'s. */
    private Timer delayTimer(String source) {
        Timer timer = delays.get(source);
        if (timer != null) {
            return timer;
        }
        synchronized (delays) {
            timer = delays.get(source);
            if (timer == null) {
                // "other" is registered first and does not count against the labelled ones
                if (!OTHER.equals(source) && delays.size() > config.maxLabelledSources()) {
                    return other;
                }
                timer = Timer.builder("cw.source.delay")
                        .description("Event time to ingest time, per CloudEvents source (backfilled events excluded)")
                        .tag("source", source)
                        .serviceLevelObjectives(DELAY_BUCKETS)
                        .register(meters);
                delays.put(source, timer);
            }
            return timer;
        }
    }

    /** One source's figures; bounded memory (a DelayWindow and a few fields). */
    private static final class Tracker {
        private Instant lastEventTime;
        private Instant lastIngestTime;
        private long events;
        private boolean lastBackfilled;
        private final DelayWindow delays = new DelayWindow();
        private LastDelivery lastDelivery;
        private LastError lastError;

        synchronized void add(AcceptedEvent event, Double delay, Instant now) {
            if (event.time() != null && (lastEventTime == null || event.time().isAfter(lastEventTime))) {
                lastEventTime = event.time();
            }
            lastIngestTime = now;
            events++;
            lastBackfilled = event.backfilled();
            if (delay != null) {
                delays.record(delay, now);
            }
        }

        synchronized void delivered(LastDelivery delivery, LastError error) {
            lastDelivery = delivery;
            if (error != null) {
                lastError = error;
            }
        }

        synchronized Instant lastIngestTime() {
            return lastIngestTime;
        }

        synchronized LastDelivery lastDelivery() {
            return lastDelivery;
        }

        synchronized LastError lastError() {
            return lastError;
        }

        synchronized Activity activity(Instant now, Duration idleAfter, Boolean backfilling) {
            boolean idle = lastIngestTime == null || Duration.between(lastIngestTime, now).compareTo(idleAfter) > 0;
            return new Activity(lastEventTime, lastIngestTime, events, round(delays.quantile(0.5, now)),
                    round(delays.quantile(0.99, now)), idle, backfilling != null ? backfilling : lastBackfilled);
        }

        private static Double round(Double seconds) {
            return seconds == null ? null : Math.round(seconds * 1000) / 1000.0;
        }
    }
}
