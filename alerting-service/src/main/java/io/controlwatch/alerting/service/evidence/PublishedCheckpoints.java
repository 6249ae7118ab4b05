package io.controlwatch.alerting.service.evidence;

import io.controlwatch.evidence.KeyRing;
import io.controlwatch.evidence.Sha256;
import io.controlwatch.evidence.SignedCheckpoint;
import io.controlwatch.evidence.verify.Discrepancy;
import io.controlwatch.evidence.verify.Discrepancy.Kind;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the checkpoint topic {@code cw.evidence-checkpoints.v1} holds, as read for one verification: the SHA-256 of
 * every published checkpoint (32 bytes per sequence, in one array: a year of checkpoints a minute is 17 MB) and, in
 * full, those PostgreSQL did not hold when the read began (the ones deleted from it, or signed during the read).
 * A record that is not a checkpoint signed by a trusted key, or another checkpoint under a sequence already published,
 * is not taken, and reported: whoever could write it could write anything.
 */
public final class PublishedCheckpoints {

    private final KeyRing trusted;
    private final BitSet storedBefore;
    private final BitSet present = new BitSet();
    private byte[] digests = new byte[Sha256.LENGTH * 1024];
    private final NavigableMap<Long, SignedCheckpoint> notStored = new TreeMap<>();
    private final List<Discrepancy> invalid = new ArrayList<>();
    private long records;

    /**
     * @param storedBefore the sequences PostgreSQL held just before the topic is read: those are kept as digests only
     */
    PublishedCheckpoints(KeyRing trusted, BitSet storedBefore) {
        this.trusted = trusted;
        this.storedBefore = storedBefore;
    }

    /** Takes one record of the topic, in offset order. */
    void accept(ConsumerRecord<String, String> record) {
        records++;
        String where = "record " + record.partition() + "@" + record.offset() + " of " + record.topic();
        if (record.value() == null) {
            invalid.add(Discrepancy.of(Kind.CHECKPOINT_INVALID, where + " deletes checkpoint " + record.key()
                    + ": a checkpoint is never withdrawn"));
            return;
        }
        SignedCheckpoint checkpoint;
        try {
            checkpoint = SignedCheckpoint.parse(record.value());
        } catch (IllegalArgumentException e) {
            invalid.add(Discrepancy.of(Kind.CHECKPOINT_INVALID, where + " is not a signed checkpoint: " + e.getMessage()));
            return;
        }
        long sequence = checkpoint.checkpoint().sequence();
        if (!Long.toString(sequence).equals(record.key())) {
            invalid.add(Discrepancy.of(Kind.CHECKPOINT_INVALID, where + " has key " + record.key()
                    + " but holds checkpoint #" + sequence));
            return;
        }
        Optional<String> problem = checkpoint.signatureProblem(trusted);
        if (problem.isPresent()) {
            invalid.add(Discrepancy.of(Kind.CHECKPOINT_SIGNATURE, where + ": " + problem.get()));
            return;
        }
        if (sequence < 1 || sequence > Integer.MAX_VALUE) {
            invalid.add(Discrepancy.of(Kind.CHECKPOINT_INVALID, where + " holds checkpoint #" + sequence
                    + ", outside the sequence's range"));
            return;
        }
        int index = (int) sequence;
        int at = index * Sha256.LENGTH;
        if (at + Sha256.LENGTH > digests.length) {
            digests = Arrays.copyOf(digests, Math.max(at + Sha256.LENGTH, digests.length * 2));
        }
        byte[] digest = digestOf(checkpoint).bytes();
        if (present.get(index) && !Arrays.equals(digests, at, at + Sha256.LENGTH, digest, 0, Sha256.LENGTH)) {
            // a relay publishing again sends the same bytes: another checkpoint under a published sequence is a
            // fork, or a second evidence store writing to this topic; the first published is the one kept
            invalid.add(Discrepancy.of(Kind.CHECKPOINT_INVALID, where + " holds another checkpoint #" + sequence
                    + " than the one published before it (a second evidence store on this topic, or a fork)"));
            return;
        }
        System.arraycopy(digest, 0, digests, at, Sha256.LENGTH);
        present.set(index);
        if (!storedBefore.get(index)) {
            notStored.put(sequence, checkpoint);
        }
    }

    /** The digest two copies of one checkpoint share exactly when they are the same checkpoint, signature included. */
    static Sha256 digestOf(SignedCheckpoint checkpoint) {
        return Sha256.hash(checkpoint.toJson().getBytes(StandardCharsets.UTF_8));
    }

    /** Whether checkpoint {@code sequence} was published. */
    public boolean published(long sequence) {
        return sequence >= 1 && sequence <= Integer.MAX_VALUE && present.get((int) sequence);
    }

    /** Whether {@code stored} is exactly the checkpoint published under its sequence (false when none was). */
    public boolean matches(SignedCheckpoint stored) {
        long sequence = stored.checkpoint().sequence();
        if (!published(sequence)) {
            return false;
        }
        int at = (int) sequence * Sha256.LENGTH;
        return Arrays.equals(digests, at, at + Sha256.LENGTH, digestOf(stored).bytes(), 0, Sha256.LENGTH);
    }

    /** The published checkpoints PostgreSQL did not hold when the read began, by sequence. */
    public NavigableMap<Long, SignedCheckpoint> notStored() {
        return notStored;
    }

    /** The sequences published. */
    public BitSet sequences() {
        return (BitSet) present.clone();
    }

    /** How many checkpoints were published. */
    public long count() {
        return present.cardinality();
    }

    /** The highest sequence published, 0 when none. */
    public long latest() {
        return Math.max(0, present.length() - 1);
    }

    /** Records read, including repeats of a checkpoint (a relay that published one twice) and invalid ones. */
    public long records() {
        return records;
    }

    /** Records that are no checkpoint of a trusted key. */
    public List<Discrepancy> invalid() {
        return List.copyOf(invalid);
    }
}
