package io.controlwatch.evidence.bundle;

import io.controlwatch.evidence.ChainHead;
import io.controlwatch.evidence.Checkpoint;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * Chooses the checkpoints an export of a period must cover: the anchor is the last checkpoint before which no row of
 * the period can lie (every partition's latest event time is before the period's start), the closing checkpoint the
 * first that covers the last row of the period in every partition and was made after the period ended (so rows of
 * the period recorded late are in too); until such a checkpoint exists, the first that covers the last rows. Rows
 * between the two are exported: the period's as rows, the others as links. Feed checkpoints in sequence order; memory
 * is constant.
 */
public final class ExportRange {

    private final Instant from;
    private final Instant to;
    private final Map<Integer, Long> lastOffsets;
    private Checkpoint anchor;
    private Checkpoint closing;
    private Checkpoint firstCovering;
    private boolean anchorFinal;

    /**
     * @param from        the period's start
     * @param to          the period's end (exclusive)
     * @param lastOffsets per partition, the offset of the last stored row of the period and scope (partitions
     *                    without such rows are absent)
     */
    public ExportRange(Instant from, Instant to, Map<Integer, Long> lastOffsets) {
        this.from = Objects.requireNonNull(from, "from");
        this.to = Objects.requireNonNull(to, "to");
        this.lastOffsets = Map.copyOf(lastOffsets);
    }

    /** Offers the next checkpoint; returns false once the closing checkpoint is found (no need to read on). */
    public boolean offer(Checkpoint checkpoint) {
        if (closing != null) {
            return false;
        }
        if (!anchorFinal) {
            boolean before = checkpoint.partitions().stream()
                    .allMatch(h -> h.maxEventTime() == null || h.maxEventTime().isBefore(from));
            if (before) {
                anchor = checkpoint;
            } else {
                anchorFinal = true; // latest event times only grow: no later checkpoint can be an anchor
            }
        }
        if (anchorFinal && covers(checkpoint)) {
            if (firstCovering == null) {
                firstCovering = checkpoint;
            }
            if (!checkpoint.createdAt().isBefore(to)) {
                closing = checkpoint;
                return false;
            }
        }
        return true;
    }

    private boolean covers(Checkpoint checkpoint) {
        for (Map.Entry<Integer, Long> last : lastOffsets.entrySet()) {
            long covered = checkpoint.head(last.getKey()).map(ChainHead::offset).orElse(-1L);
            if (covered < last.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** The anchor checkpoint, or null when the export must start at the chain's genesis. */
    public Checkpoint anchor() {
        return anchor;
    }

    /**
     * The closing checkpoint: the first covering one made after the period, else the first covering one (the bundle
     * then notes that later rows are not in it), or null when no checkpoint covers the period's last rows yet.
     */
    public Checkpoint closing() {
        return closing != null ? closing : firstCovering;
    }
}
