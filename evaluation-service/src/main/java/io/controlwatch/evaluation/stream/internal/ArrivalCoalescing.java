package io.controlwatch.evaluation.stream.internal;

import io.controlwatch.engine.Control;
import io.controlwatch.engine.ControlPack;
import io.controlwatch.engine.RoutedEvent;
import io.controlwatch.engine.rule.AbsenceRule;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Liveness controls expect every event of every source (an absence keyed by {@code event.source} that records no
 * arrivals, as {@code cc2.1-event-source-silent}). Routed one by one, their arrivals were half of the stateful
 * path's work: a repartition record, a state write and a deadline move for every event (BENCHMARKS.md, "Where the
 * CPU goes"). Here, for a window after an arrival of a (control, source) was routed, the following ones are held
 * back: the newest is kept (in memory) and sent on when the window's punctuation comes, or at once before the
 * source's next arrival that must go through, so the order is kept.
 * <p>
 * What the control decides stays the same. A held arrival is at most one window newer than an arrival already
 * routed, and the control's interval is longer than the window, so it cannot come after a deadline: all it does
 * is move the last arrival forward, which the newest held one does when sent (an older one held behind it would
 * change nothing after it). The difference is when: the control's state learns of the newest arrival up to one
 * window (1 s by default) of wall-clock time later. Only a deadline decided within that second could tell, and a
 * source that sends an event every second is nowhere near its deadline of many minutes. After a stall of the
 * service longer than the control's grace (a process paused or down for minutes), a silence may be decided from the
 * last routed arrival before the held one is sent, which is then recorded late: up to one window of difference in
 * when the silence began. A crash, or the partition moving to another instance, loses what is held (at most one
 * arrival per source, at most one window old): the source's next arrival sets the state as it would have; only a
 * silence that began within that window is measured from up to one window earlier. Held in a changelogged store
 * instead, they would survive a crash, but a new store is a new changelog topic, which Kafka Streams creates only in
 * a rebalance, and an upgraded instance rejoining under its static membership ({@code group.instance.id}) does not
 * rebalance: its task waited for the topic until it timed out (seen on the bench stack).
 */
final class ArrivalCoalescing {

    /** Keys whose last routing is remembered in memory; beyond, the oldest are forgotten (their next arrival is routed). */
    private static final int REMEMBERED = 100_000;

    /** The held arrivals, by state key: the newest of each. */
    private final Map<String, RoutedEvent> held = new LinkedHashMap<>();
    private final long window;
    /** When each (control, source) last had an arrival routed: its event time and the wall-clock time, epoch millis. */
    private final Map<String, long[]> lastRouted = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
            return size() > REMEMBERED;
        }
    };
    private ControlPack eligibleOf;
    private Set<String> eligible = Set.of();

    ArrivalCoalescing(long windowMillis) {
        this.window = windowMillis;
    }

    /**
     * The routed arrivals to send on now, in order: the arrival itself (after the one held for its key, if any), or
     * nothing when it is held back.
     */
    List<RoutedEvent> offer(ControlPack pack, RoutedEvent routed, long wall) {
        String key = routed.stateKey();
        if (!eligible(pack).contains(routed.controlId()) || routed.event().backfilled()) {
            return List.of(routed); // a backfill runs on a clock of its own: its arrivals go through one by one
        }
        long time = routed.event().time().toEpochMilli();
        long[] last = lastRouted.get(key);
        if (last != null && wall - last[1] < window && time <= last[0] + window) {
            RoutedEvent holding = held.get(key);
            if (holding == null || !routed.event().time().isBefore(holding.event().time())) {
                held.put(key, routed);
            }
            return List.of();
        }
        lastRouted.put(key, new long[] {time, wall});
        RoutedEvent holding = held.remove(key);
        return holding == null ? List.of(routed) : List.of(holding, routed);
    }

    /** Every held arrival, to send on now (the window's punctuation). */
    List<RoutedEvent> release(long wall) {
        List<RoutedEvent> out = new ArrayList<>(held.values());
        for (RoutedEvent routed : out) {
            lastRouted.put(routed.stateKey(), new long[] {routed.event().time().toEpochMilli(), wall});
        }
        held.clear();
        return out;
    }

    /** The controls whose arrivals may be held: liveness absences whose interval and grace are longer than the window. */
    private Set<String> eligible(ControlPack pack) {
        if (pack != eligibleOf) {
            Set<String> ids = new HashSet<>();
            for (Control control : pack.controls()) {
                if (control.rule() instanceof AbsenceRule rule && !rule.passOnArrival()
                        && "event.source".equals(rule.key().strip()) && rule.within().toMillis() > window
                        && rule.grace().toMillis() > window) {
                    ids.add(control.id());
                }
            }
            eligible = ids;
            eligibleOf = pack;
        }
        return eligible;
    }
}
