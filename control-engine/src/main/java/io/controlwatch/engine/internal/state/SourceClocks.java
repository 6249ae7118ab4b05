package io.controlwatch.engine.internal.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.controlwatch.engine.RuleStore;
import io.controlwatch.model.ModelJson;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The clocks of one partition of rule state: one per event source, kept in the store's meta (so they are
 * changelogged and move with the partition) and mirrored in memory.
 * <p>
 * A source's <b>watermark</b> is how far its events are known to be complete: the latest event time it sent, or
 * wall-clock time minus the longest delay it showed lately (bounded by the idle time), whichever is later; a
 * source silent longer than the idle time no longer holds anything back (its watermark is wall-clock time). A
 * backfill of a source runs on a clock of its own, its latest event time, never the wall. A control's
 * <b>effective time</b> is the lowest watermark of the sources that feed it (those that sent the events that can
 * still change its pending decisions), or wall-clock time while it has none. Watermarks never go back.
 */
public final class SourceClocks {

    static final String SOURCE = "src:";
    static final String FEEDERS = "feeders:";
    /** Delays are remembered per hour: the estimate is the largest delay of this hour and the last. */
    static final long DELAY_BUCKET = 3_600_000L;
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {
    };

    /** One source's clock; encoded compactly, it is rewritten on each of the source's events. */
    static final class Clock {
        long latest = Long.MIN_VALUE;
        long watermark = Long.MIN_VALUE;
        long lastArrival;
        long bucket;
        long delayThisBucket;
        long delayLastBucket;
        boolean backfill;

        String encode() {
            return latest + ";" + watermark + ";" + lastArrival + ";" + bucket + ";" + delayThisBucket + ";"
                    + delayLastBucket + ";" + (backfill ? 1 : 0);
        }

        static Clock decode(String text) {
            String[] p = text.split(";");
            if (p.length != 7) {
                return null;
            }
            try {
                Clock c = new Clock();
                c.latest = Long.parseLong(p[0]);
                c.watermark = Long.parseLong(p[1]);
                c.lastArrival = Long.parseLong(p[2]);
                c.bucket = Long.parseLong(p[3]);
                c.delayThisBucket = Long.parseLong(p[4]);
                c.delayLastBucket = Long.parseLong(p[5]);
                c.backfill = "1".equals(p[6]);
                return c;
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    /** What a source shows of itself, e.g. for warnings about controls whose grace is shorter than its delay. */
    public record SourceView(String source, boolean backfill, long latest, long lastArrival, long delayMillis) {
    }

    private final RuleStore store;
    private final long idleAfter;
    private final long maxFutureSkew;
    private final int maxSources;
    private final int maxFeeders;
    private final Map<String, Clock> clocks = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> feeders = new ConcurrentHashMap<>();
    /** The highest clock value any source has shown ({@code latest} or stored watermark): see {@link #effectiveTimeBound}. */
    private volatile long ceiling = Long.MIN_VALUE;

    public SourceClocks(RuleStore store, Collection<String> controlIds, long idleAfter, long maxFutureSkew,
                        int maxSources, int maxFeeders) {
        this.store = store;
        this.idleAfter = idleAfter;
        this.maxFutureSkew = maxFutureSkew;
        this.maxSources = maxSources;
        this.maxFeeders = maxFeeders;
        store.metaWithPrefix(SOURCE).forEach((key, value) -> {
            Clock c = Clock.decode(value);
            if (c != null) {
                clocks.put(key.substring(SOURCE.length()), c);
                raiseCeiling(c);
            }
        });
        for (String control : controlIds) {
            Set<String> of = ConcurrentHashMap.newKeySet();
            String json = store.meta(FEEDERS + control);
            if (json != null) {
                try {
                    of.addAll(ModelJson.mapper().readValue(json, STRINGS));
                } catch (JsonProcessingException e) {
                    // unreadable bookkeeping: the control's feeders are learnt again from the next events
                }
            }
            feeders.put(control, of);
        }
    }

    /** The clock a source's events run on: a backfill has its own, apart from the source's live events. */
    public static String clockOf(String source, boolean backfill) {
        return backfill ? "backfill:" + source : source;
    }

    /** How far the source's events are complete at wall-clock time {@code wall} (epoch millis). */
    public long watermark(String clockId, long wall) {
        Clock c = clocks.get(clockId);
        if (c == null || wall - c.lastArrival > idleAfter) {
            return c == null ? wall : Math.max(c.watermark, wall);
        }
        long estimate = c.backfill ? c.latest : wall - Math.min(delay(c, wall), idleAfter);
        return Math.max(c.watermark, Math.max(c.latest, estimate));
    }

    /** The source's clock: the latest event time it sent (capped at wall + skew); lateness is judged against it. */
    public long latest(String clockId) {
        Clock c = clocks.get(clockId);
        return c == null ? Long.MIN_VALUE : c.latest;
    }

    /** Whether the source has been heard from (a first event is never late against its own clock). */
    public boolean known(String clockId) {
        return clocks.containsKey(clockId);
    }

    /** Records an event of a source: its clock moves to the event's time (never past wall + the allowed skew). */
    public void observe(String clockId, boolean backfill, long time, long wall) {
        Clock c = clocks.get(clockId);
        boolean first = c == null;
        long before = first ? Long.MIN_VALUE : watermark(clockId, wall);
        if (first) {
            if (clocks.size() >= maxSources) {
                forgetLongestSilent();
            }
            c = new Clock();
            c.backfill = backfill;
            clocks.put(clockId, c);
        }
        c.latest = Math.max(c.latest, Math.min(time, wall + maxFutureSkew));
        c.lastArrival = wall;
        if (!backfill) {
            long bucket = Math.floorDiv(wall, DELAY_BUCKET);
            if (bucket != c.bucket) {
                c.delayLastBucket = bucket == c.bucket + 1 ? c.delayThisBucket : 0;
                c.delayThisBucket = 0;
                c.bucket = bucket;
            }
            c.delayThisBucket = Math.min(idleAfter, Math.max(c.delayThisBucket, Math.max(0, wall - time)));
        }
        // what the source's events were judged against stays the floor: a longer delay seen now never moves it back
        c.watermark = Math.max(c.watermark, first ? c.latest : before);
        raiseCeiling(c);
        store.putMeta(SOURCE + clockId, c.encode());
    }

    private void raiseCeiling(Clock c) {
        ceiling = Math.max(ceiling, Math.max(c.latest, c.watermark));
    }

    /**
     * An upper bound of {@link #effectiveTime} of every control at {@code wall}, in constant time: a watermark is at
     * most its clock's latest event time, its stored watermark or the wall clock. A deadline beyond it cannot be due,
     * so the runtime need not look at any control's feeders for it, however many sources there have been.
     */
    public long effectiveTimeBound(long wall) {
        return Math.max(wall, ceiling);
    }

    /** Notes that a source sends events that can change a control's pending decisions. */
    public void feeds(String controlId, String clockId) {
        Set<String> of = feeders.computeIfAbsent(controlId, k -> ConcurrentHashMap.newKeySet());
        if (!of.contains(clockId) && of.size() < maxFeeders) {
            of.add(clockId);
            saveFeeders(controlId, of);
        }
    }

    /** The time up to which a control's deadlines may be decided: the lowest watermark of its feeders, or the wall. */
    public long effectiveTime(String controlId, long wall) {
        Set<String> of = feeders.get(controlId);
        long effective = wall;
        if (of != null && !of.isEmpty()) {
            effective = Long.MAX_VALUE;
            for (String clockId : of) {
                effective = Math.min(effective, watermark(clockId, wall));
            }
        }
        return effective;
    }

    /** Sources silent for longer than {@code retention} are forgotten: they hold nothing back any more anyway. */
    public void forgetSilent(long wall, long retention) {
        List<String> silent = clocks.entrySet().stream().filter(e -> wall - e.getValue().lastArrival > retention)
                .map(Map.Entry::getKey).toList();
        silent.forEach(this::forget);
    }

    /** The sources feeding a control, as they look now. */
    public List<SourceView> feedersOf(String controlId, long wall) {
        List<SourceView> views = new ArrayList<>();
        for (String clockId : feeders.getOrDefault(controlId, Set.of())) {
            Clock c = clocks.get(clockId);
            if (c != null) {
                views.add(new SourceView(clockId, c.backfill, c.latest, c.lastArrival, delay(c, wall)));
            }
        }
        return views;
    }

    public int size() {
        return clocks.size();
    }

    private long delay(Clock c, long wall) {
        long bucket = Math.floorDiv(wall, DELAY_BUCKET);
        if (bucket == c.bucket) {
            return Math.max(c.delayThisBucket, c.delayLastBucket);
        }
        return bucket == c.bucket + 1 ? c.delayThisBucket : 0;
    }

    private void forgetLongestSilent() {
        clocks.entrySet().stream().min(Comparator.comparingLong(e -> e.getValue().lastArrival))
                .map(Map.Entry::getKey).ifPresent(this::forget);
    }

    private void forget(String clockId) {
        clocks.remove(clockId);
        store.deleteMeta(SOURCE + clockId);
        feeders.forEach((control, of) -> {
            if (of.remove(clockId)) {
                saveFeeders(control, of);
            }
        });
    }

    private void saveFeeders(String controlId, Set<String> of) {
        try {
            store.putMeta(FEEDERS + controlId, ModelJson.mapper().writeValueAsString(new LinkedHashSet<>(of)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
