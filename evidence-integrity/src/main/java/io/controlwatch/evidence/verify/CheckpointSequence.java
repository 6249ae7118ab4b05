package io.controlwatch.evidence.verify;

import io.controlwatch.evidence.ChainHead;
import io.controlwatch.evidence.Checkpoint;
import io.controlwatch.evidence.KeyRing;
import io.controlwatch.evidence.SignedCheckpoint;
import io.controlwatch.evidence.verify.Discrepancy.Kind;

import java.time.Instant;
import java.util.HashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a run of signed checkpoints given in sequence order: each is signed by a trusted key, follows the one before
 * it (sequence + 1, and {@code previous} is that checkpoint's hash), keeps the topic, and never drops a partition or
 * goes back. A removed checkpoint shows as a gap in the sequence.
 */
public final class CheckpointSequence {

    /** Invalid checkpoints remembered by sequence; beyond this, the run is judged unusable as a whole. */
    private static final int MAX_INVALID = 100_000;

    private final KeyRing trusted;
    private final DiscrepancyLog log;
    private final Set<Long> invalid = new HashSet<>();
    private SignedCheckpoint first;
    private SignedCheckpoint last;
    private long count;

    public CheckpointSequence(KeyRing trusted, DiscrepancyLog log) {
        this.trusted = Objects.requireNonNull(trusted, "trusted");
        this.log = Objects.requireNonNull(log, "log");
    }

    /** Checks the next checkpoint of the run. */
    public void accept(SignedCheckpoint signed) {
        Checkpoint c = signed.checkpoint();
        count++;
        boolean valid = true;
        Optional<String> signatureProblem = signed.signatureProblem(trusted);
        if (signatureProblem.isPresent()) {
            boolean untrusted = trusted.key(c.keyId()).isEmpty();
            log.add(untrusted ? Kind.UNTRUSTED_KEY : Kind.CHECKPOINT_SIGNATURE, signatureProblem.get());
            valid = false;
        }
        if (last != null) {
            Checkpoint before = last.checkpoint();
            if (c.sequence() <= before.sequence()) {
                log.add(Kind.CHECKPOINT_INVALID, "checkpoint #" + c.sequence() + " comes after #" + before.sequence()
                        + ": checkpoints out of order or repeated");
                valid = false;
            } else if (c.sequence() > before.sequence() + 1) {
                long missing = c.sequence() - before.sequence() - 1;
                log.add(Kind.CHECKPOINT_MISSING, (missing == 1 ? "checkpoint #" + (before.sequence() + 1) + " is"
                        : "checkpoints #" + (before.sequence() + 1) + " to #" + (c.sequence() - 1) + " are")
                        + " missing between #" + before.sequence() + " and #" + c.sequence()
                        + ": a checkpoint was removed");
            } else if (!before.hash().equals(c.previous())) {
                log.add(Kind.CHECKPOINT_INVALID, "checkpoint #" + c.sequence() + " does not name #"
                        + before.sequence() + " as its previous checkpoint: the sequence was rewritten");
                valid = false;
            }
            if (!c.topic().equals(before.topic())) {
                log.add(Kind.CHECKPOINT_INVALID, "checkpoint #" + c.sequence() + " is of topic " + c.topic()
                        + ", not " + before.topic());
                valid = false;
            }
            for (ChainHead old : before.partitions()) {
                Optional<ChainHead> now = c.head(old.partition());
                if (now.isEmpty() || now.get().count() < old.count() || now.get().offset() < old.offset()) {
                    log.add(Kind.CHECKPOINT_INVALID, "checkpoint #" + c.sequence() + " records partition "
                            + old.partition() + " behind checkpoint #" + before.sequence());
                    valid = false;
                }
            }
        }
        if (!valid && invalid.size() < MAX_INVALID) {
            invalid.add(c.sequence());
        }
        if (first == null) {
            first = signed;
        }
        if (last == null || c.sequence() > last.checkpoint().sequence()) {
            last = signed;
        }
    }

    /** True when the checkpoint with this sequence passed every check (its heads can be trusted). */
    public boolean isValid(long sequence) {
        return invalid.size() < MAX_INVALID && !invalid.contains(sequence);
    }

    public long count() {
        return count;
    }

    /** The first checkpoint accepted, or null. */
    public SignedCheckpoint first() {
        return first;
    }

    /** The checkpoint with the highest sequence accepted, or null. */
    public SignedCheckpoint last() {
        return last;
    }

    /** When the last checkpoint was made, or null. */
    public Instant lastCreatedAt() {
        return last == null ? null : last.checkpoint().createdAt();
    }
}
