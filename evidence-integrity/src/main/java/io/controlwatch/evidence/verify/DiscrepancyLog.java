package io.controlwatch.evidence.verify;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Collects discrepancies, keeping the first {@code limit} in full and counting the rest: a verifier fed a bundle in
 * which every row was rewritten must still run in bounded memory.
 */
public final class DiscrepancyLog {

    public static final int DEFAULT_LIMIT = 1000;

    private final int limit;
    private final List<Discrepancy> kept = new ArrayList<>();
    private final Map<Discrepancy.Kind, Long> counts = new EnumMap<>(Discrepancy.Kind.class);
    private long total;

    public DiscrepancyLog() {
        this(DEFAULT_LIMIT);
    }

    public DiscrepancyLog(int limit) {
        this.limit = limit;
    }

    public void add(Discrepancy d) {
        total++;
        counts.merge(d.kind(), 1L, Long::sum);
        if (kept.size() < limit) {
            kept.add(d);
        }
    }

    public void add(Discrepancy.Kind kind, String message) {
        add(Discrepancy.of(kind, message));
    }

    /** The kept discrepancies, in the order found. */
    public List<Discrepancy> discrepancies() {
        return List.copyOf(kept);
    }

    /** How many were found, kept or not. */
    public long total() {
        return total;
    }

    /** How many of each kind were found. */
    public Map<Discrepancy.Kind, Long> countsByKind() {
        return Map.copyOf(counts);
    }

    public boolean isEmpty() {
        return total == 0;
    }
}
