package io.controlwatch.ingest.service;

import java.time.Instant;
import java.util.Arrays;

/**
 * The event-time-to-ingest-time delays of one source over the last hour, for its p50/p99: one fixed-bucket histogram
 * per minute in a ring of 60, so memory is bounded (at most 60 × {@link #BOUNDS}+1 counters, allocated only for
 * minutes that saw an event) and a minute falls out of the window as a whole when the ring comes back to it.
 * A quantile is interpolated linearly inside the bucket that holds it: exact to within that bucket's width, which
 * grows with the delay (a few seconds near a minute, hours near a day), as precise as the question needs.
 * Not thread-safe: the owner synchronizes.
 */
public final class DelayWindow {

    /** Upper bounds of the buckets, in seconds; one more bucket holds everything beyond the last (up to a week). */
    static final double[] BOUNDS = {0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200,
            14400, 21600, 43200, 86400, 172800, 345600, 604800};
    static final double OVERFLOW_UPPER = 2 * 604800;
    static final int MINUTES = 60;

    private final long[] minuteOf = new long[MINUTES];
    private final int[][] counts = new int[MINUTES][];

    public DelayWindow() {
        Arrays.fill(minuteOf, Long.MIN_VALUE);
    }

    /** One delay (negative ones count as 0) observed at {@code now}. */
    public void record(double delaySeconds, Instant now) {
        long minute = Math.floorDiv(now.getEpochSecond(), 60);
        int slot = (int) Math.floorMod(minute, MINUTES);
        if (minuteOf[slot] != minute) {
            if (minuteOf[slot] > minute) {
                return; // the clock went back more than an hour: nothing sensible to add to
            }
            minuteOf[slot] = minute;
            if (counts[slot] == null) {
                counts[slot] = new int[BOUNDS.length + 1];
            } else {
                Arrays.fill(counts[slot], 0);
            }
        }
        int[] c = counts[slot];
        int bucket = bucketOf(Math.max(0, delaySeconds));
        if (c[bucket] < Integer.MAX_VALUE) {
            c[bucket]++;
        }
    }

    /** How many delays the last hour (the 60 minutes up to and including {@code now}'s) holds. */
    public long count(Instant now) {
        long total = 0;
        for (int[] c : window(now)) {
            for (int n : c) {
                total += n;
            }
        }
        return total;
    }

    /** The q-quantile (0 < q ≤ 1) of the last hour's delays, in seconds; null when it holds none. */
    public Double quantile(double q, Instant now) {
        long[] merged = new long[BOUNDS.length + 1];
        long total = 0;
        for (int[] c : window(now)) {
            for (int i = 0; i < c.length; i++) {
                merged[i] += c[i];
                total += c[i];
            }
        }
        if (total == 0) {
            return null;
        }
        double rank = q * total;
        long below = 0;
        for (int i = 0; i < merged.length; i++) {
            if (merged[i] == 0) {
                continue;
            }
            if (below + merged[i] >= rank) {
                double lower = i == 0 ? 0 : BOUNDS[i - 1];
                double upper = i < BOUNDS.length ? BOUNDS[i] : OVERFLOW_UPPER;
                double within = (rank - below) / merged[i];
                return lower + (upper - lower) * Math.max(0, Math.min(1, within));
            }
            below += merged[i];
        }
        return BOUNDS[BOUNDS.length - 1];
    }

    private java.util.List<int[]> window(Instant now) {
        long current = Math.floorDiv(now.getEpochSecond(), 60);
        java.util.List<int[]> held = new java.util.ArrayList<>(MINUTES);
        for (int slot = 0; slot < MINUTES; slot++) {
            if (counts[slot] != null && minuteOf[slot] <= current && minuteOf[slot] > current - MINUTES) {
                held.add(counts[slot]);
            }
        }
        return held;
    }

    static int bucketOf(double seconds) {
        for (int i = 0; i < BOUNDS.length; i++) {
            if (seconds <= BOUNDS[i]) {
                return i;
            }
        }
        return BOUNDS.length;
    }
}
