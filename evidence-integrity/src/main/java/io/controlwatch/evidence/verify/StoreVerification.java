package io.controlwatch.evidence.verify;

import io.controlwatch.evidence.ChainHead;
import io.controlwatch.evidence.Checkpoint;
import io.controlwatch.evidence.KeyRing;
import io.controlwatch.evidence.SignedCheckpoint;
import io.controlwatch.evidence.StoredExecution;
import io.controlwatch.evidence.verify.Discrepancy.Kind;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Verifies the live evidence store between two checkpoints: what {@code GET /api/v1/evidence/verify} runs. Checks the
 * checkpoints (signatures, sequence), then recomputes every partition's chain from the rows and holds it against
 * them, naming every row changed, inserted or deleted since it was checkpointed. Rows after the last checkpoint are
 * counted as pending, not judged. Memory is bounded: checkpoints and rows are streamed from the source.
 */
public final class StoreVerification {

    private StoreVerification() {
    }

    /**
     * What the verification found.
     *
     * @param rowsVerified rows recomputed against a checkpoint
     * @param rowsPending  rows after the last checkpoint (covered by the next one)
     */
    public record Result(boolean verified, List<Discrepancy> discrepancies, long discrepancyCount, long checkpoints,
                         int partitions, long rowsVerified, long rowsPending) {
    }

    /**
     * @param anchorSequence the checkpoint the verification starts from (0: the start of every chain)
     * @param lastSequence   the last checkpoint to verify against
     */
    public static Result verify(EvidenceSource source, KeyRing trusted, long anchorSequence, long lastSequence) {
        Objects.requireNonNull(source, "source");
        if (anchorSequence < 0 || lastSequence < Math.max(1, anchorSequence)) {
            throw new IllegalArgumentException("verify from checkpoint " + anchorSequence + " to " + lastSequence
                    + ": the range is empty");
        }
        DiscrepancyLog log = new DiscrepancyLog();
        long first = Math.max(1, anchorSequence);
        CheckpointSequence sequence = new CheckpointSequence(trusted, log);
        source.checkpoints(first, lastSequence).forEachRemaining(sequence::accept);
        if (sequence.first() == null) {
            log.add(Kind.CHECKPOINT_MISSING, "no checkpoint between #" + first + " and #" + lastSequence
                    + " is stored");
            return new Result(false, log.discrepancies(), log.total(), 0, 0, 0, 0);
        }
        Checkpoint firstCheckpoint = sequence.first().checkpoint();
        Checkpoint lastCheckpoint = sequence.last().checkpoint();
        if (firstCheckpoint.sequence() != first) {
            log.add(Kind.CHECKPOINT_MISSING, "checkpoint #" + first + " is missing: the stored run starts at #"
                    + firstCheckpoint.sequence());
        }
        if (lastCheckpoint.sequence() != lastSequence) {
            log.add(Kind.CHECKPOINT_MISSING, "checkpoint #" + lastSequence + " is missing: the stored run ends at #"
                    + lastCheckpoint.sequence());
        }
        boolean fromGenesis = anchorSequence == 0;
        String topic = firstCheckpoint.topic();
        TreeSet<Integer> partitions = new TreeSet<>();
        lastCheckpoint.partitions().forEach(h -> partitions.add(h.partition()));
        ChainVerifier verifier = new ChainVerifier(null, true, log);
        long verified = 0;
        long pending = 0;
        for (int partition : partitions) {
            CheckpointPosition anchor = fromGenesis ? CheckpointPosition.genesis(topic, partition)
                    : firstCheckpoint.head(partition)
                    .map(h -> new CheckpointPosition(firstCheckpoint.sequence(), firstCheckpoint.createdAt(), h))
                    .orElse(CheckpointPosition.genesis(topic, partition));
            Iterator<CheckpointPosition> closing = new Positions(source.checkpoints(
                    fromGenesis ? first : first + 1, lastSequence), partition, sequence);
            Iterator<ChainEntry> entries = new Entries(source.rows(partition, anchor.head().offset(), Long.MAX_VALUE));
            ChainVerifier.PartitionResult r = verifier.verifyPartition(partition, anchor, closing, entries);
            verified += r.checkpointedEntries();
            pending += r.uncheckpointedEntries();
        }
        return new Result(log.isEmpty(), log.discrepancies(), log.total(), sequence.count(), partitions.size(),
                verified, pending);
    }

    /** A partition's heads in the valid checkpoints of a stream. */
    private static final class Positions implements Iterator<CheckpointPosition> {
        private final Iterator<SignedCheckpoint> checkpoints;
        private final int partition;
        private final CheckpointSequence validity;
        private CheckpointPosition next;

        Positions(Iterator<SignedCheckpoint> checkpoints, int partition, CheckpointSequence validity) {
            this.checkpoints = checkpoints;
            this.partition = partition;
            this.validity = validity;
        }

        @Override
        public boolean hasNext() {
            while (next == null && checkpoints.hasNext()) {
                Checkpoint c = checkpoints.next().checkpoint();
                Optional<ChainHead> head = c.head(partition);
                if (validity.isValid(c.sequence()) && head.isPresent()) {
                    next = new CheckpointPosition(c.sequence(), c.createdAt(), head.get());
                }
            }
            return next != null;
        }

        @Override
        public CheckpointPosition next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            CheckpointPosition p = next;
            next = null;
            return p;
        }
    }

    private record Entries(Iterator<StoredExecution> rows) implements Iterator<ChainEntry> {
        @Override
        public boolean hasNext() {
            return rows.hasNext();
        }

        @Override
        public ChainEntry next() {
            StoredExecution s = rows.next();
            return ChainEntry.ofRow(s.partition(), s.offset(), s.row(), s.recordedDigest(), s.recordedHead());
        }
    }
}
