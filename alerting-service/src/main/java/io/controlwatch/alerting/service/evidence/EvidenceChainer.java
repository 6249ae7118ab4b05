package io.controlwatch.alerting.service.evidence;

import io.controlwatch.evidence.ChainHead;
import io.controlwatch.evidence.EvidenceRow;
import io.controlwatch.evidence.StoredExecution;
import io.controlwatch.model.Topics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Appends the executions a transaction stores to their partitions' chains: pure computation over the heads the
 * transaction locked, so a rolled-back transaction leaves nothing behind (the heads in PostgreSQL are the state).
 */
public final class EvidenceChainer {

    /** A row to chain at its executions-topic position. */
    public record Positioned(EvidenceRow row, int partition, long offset) {
    }

    /**
     * What to write: the rows with their digests and heads, in chain order, and each partition's new head with the
     * row count it had before ({@code previousCount}), which the write checks so that a head moved by anyone else
     * in between fails the transaction instead of forking the chain.
     */
    public record Plan(List<StoredExecution> rows, Map<Integer, HeadChange> heads) {
    }

    /** A partition's head after the transaction, and its row count before. */
    public record HeadChange(ChainHead head, long previousCount) {
    }

    /** A row whose position is at or before its partition's chain head: it cannot be chained in offset order. */
    public static final class OutOfOrder extends RuntimeException {
        public OutOfOrder(String message) {
            super(message);
        }
    }

    /** The chain heads or the rows changed under the transaction (another writer): retry the transaction. */
    public static final class ChainConflict extends RuntimeException {
        public ChainConflict(String message) {
            super(message);
        }
    }

    private EvidenceChainer() {
    }

    /**
     * @param heads the locked heads of the partitions concerned; a partition without one starts at genesis
     * @param rows  rows not stored before, any order
     */
    public static Plan append(Map<Integer, ChainHead> heads, List<Positioned> rows) {
        List<Positioned> ordered = new ArrayList<>(rows);
        ordered.sort(Comparator.comparingInt(Positioned::partition).thenComparingLong(Positioned::offset));
        Map<Integer, ChainHead> current = new HashMap<>(heads);
        Map<Integer, HeadChange> changes = new TreeMap<>();
        List<StoredExecution> stored = new ArrayList<>(ordered.size());
        for (Positioned p : ordered) {
            ChainHead head = current.computeIfAbsent(p.partition(), q -> ChainHead.genesis(Topics.EXECUTIONS, q));
            if (p.offset() <= head.offset()) {
                throw new OutOfOrder("execution " + p.row().executionId() + " at partition " + p.partition()
                        + ", offset " + p.offset() + " is not after the chain head at offset " + head.offset());
            }
            long before = changes.containsKey(p.partition()) ? changes.get(p.partition()).previousCount()
                    : head.count();
            ChainHead.Appended appended = head.appendStored(p.offset(), p.row(), null);
            current.put(p.partition(), appended.head());
            changes.put(p.partition(), new HeadChange(appended.head(), before));
            stored.add(appended.stored());
        }
        return new Plan(stored, changes);
    }
}
