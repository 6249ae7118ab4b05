package io.controlwatch.evidence;

import java.time.Instant;
import java.util.Objects;

/**
 * Where one partition's chain stands: the offset of its last row, how many rows it holds, its head, and the latest
 * event time among its rows. Immutable: {@link #append} returns the next state, so a store that rolls back its
 * transaction simply keeps the state it had.
 *
 * @param offset       offset of the last chained row, -1 for an empty chain
 * @param count        number of chained rows
 * @param maxEventTime the latest event time of any chained row, null for an empty chain. A checkpoint carries it so a
 *                     verifier can prove that no row before the checkpoint belongs to a period starting later.
 */
public record ChainHead(int partition, long offset, long count, Sha256 head, Instant maxEventTime) {

    public ChainHead {
        EvidenceChain.requirePartition(partition);
        Objects.requireNonNull(head, "head");
        if (count < 0 || offset < -1 || (count == 0) != (offset == -1) || (count == 0) != (maxEventTime == null)) {
            throw new IllegalArgumentException("inconsistent chain head: offset " + offset + ", count " + count
                    + ", max event time " + maxEventTime);
        }
    }

    /** The empty chain of a partition. */
    public static ChainHead genesis(String topic, int partition) {
        return new ChainHead(partition, -1, 0, EvidenceChain.genesis(topic, partition), null);
    }

    /** The new head and the row as the store keeps it, with the digest and head to record beside it. */
    public record Appended(ChainHead head, StoredExecution stored) {
    }

    /**
     * Appends a row and returns what to store: the row with its chain position, its digest and the head after it.
     * The caller keeps {@link Appended#head()} as the partition's state once the row is committed.
     *
     * @param recordedAt when the row is recorded, if known (informational)
     */
    public Appended appendStored(long rowOffset, EvidenceRow row, Instant recordedAt) {
        Sha256 digest = row.digest();
        ChainHead next = append(rowOffset, row.eventTime(), row.controlId(), digest);
        return new Appended(next, new StoredExecution(partition, rowOffset, row, digest, next.head(), recordedAt));
    }

    /** Appends a row; offsets must grow. */
    public ChainHead append(long rowOffset, EvidenceRow row) {
        return append(rowOffset, row.eventTime(), row.controlId(), row.digest());
    }

    /** Appends a row known by its leaf fields (a link, or a row whose digest is already computed). */
    public ChainHead append(long rowOffset, Instant eventTime, String controlId, Sha256 rowDigest) {
        if (rowOffset <= offset) {
            throw new IllegalArgumentException("partition " + partition + ": offset " + rowOffset
                    + " does not follow " + offset);
        }
        Sha256 leaf = EvidenceChain.leaf(partition, rowOffset, eventTime, controlId, rowDigest);
        Instant max = maxEventTime == null || eventTime.isAfter(maxEventTime) ? eventTime : maxEventTime;
        return new ChainHead(partition, rowOffset, count + 1, EvidenceChain.next(head, leaf), max);
    }
}
