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

    /**
     * A row that has no canonical encoding; a data error like those PostgreSQL reports, with the SQLSTATE it would
     * give, so the record is dead-lettered with that reason while the rest of its batch is stored.
     */
    public static final class Unrepresentable extends RuntimeException {
        private final String sqlState;

        public Unrepresentable(String sqlState, String message) {
            super(message);
            this.sqlState = sqlState;
        }

        public String sqlState() {
            return sqlState;
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
            ChainHead.Appended appended;
            try {
                appended = head.appendStored(p.offset(), p.row(), null);
            } catch (ArithmeticException e) {
                // a time whose microseconds overflow 64 bits: PostgreSQL could not store it either
                throw new Unrepresentable("22008", "execution " + p.row().executionId()
                        + " has a time the evidence chain cannot encode (datetime field overflow)");
            } catch (IllegalArgumentException e) {
                // text without a UTF-8 form (an unpaired surrogate): no canonical encoding exists
                throw new Unrepresentable("22021", "execution " + p.row().executionId()
                        + " cannot be encoded for the evidence chain: " + e.getMessage());
            }
            current.put(p.partition(), appended.head());
            changes.put(p.partition(), new HeadChange(appended.head(), before));
            stored.add(appended.stored());
        }
        return new Plan(stored, changes);
    }
}
