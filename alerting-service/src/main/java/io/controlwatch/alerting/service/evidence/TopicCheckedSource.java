package io.controlwatch.alerting.service.evidence;

import io.controlwatch.evidence.SignedCheckpoint;
import io.controlwatch.evidence.StoredExecution;
import io.controlwatch.evidence.verify.Discrepancy;
import io.controlwatch.evidence.verify.Discrepancy.Kind;
import io.controlwatch.evidence.verify.EvidenceSource;
import io.controlwatch.model.Topics;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The stored evidence with its checkpoints held against the published ones: a stored checkpoint that differs from
 * its published copy is reported, and a published checkpoint PostgreSQL no longer holds takes its place (reported
 * too), so the rows it covered are verified against it instead of passing as not yet checkpointed. That is what
 * stops a rewrite of the database alone: deleting the last checkpoints and then changing the rows after the one left.
 */
final class TopicCheckedSource implements EvidenceSource {

    private final EvidenceSource stored;
    private final PublishedCheckpoints published;
    private final int maxListed;
    private final BitSet reportedMissing = new BitSet();
    private final BitSet reportedRewritten = new BitSet();
    private final List<Discrepancy> listed = new ArrayList<>();
    private long missing;
    private long rewritten;

    TopicCheckedSource(EvidenceSource stored, PublishedCheckpoints published, int maxListed) {
        this.stored = stored;
        this.published = published;
        this.maxListed = maxListed;
    }

    /** Reports every published checkpoint not in {@code storedSequences} (PostgreSQL's, in the verification's snapshot). */
    void reportMissing(BitSet storedSequences) {
        BitSet gone = published.sequences();
        gone.andNot(storedSequences);
        gone.stream().forEach(this::missing);
    }

    long missing() {
        return missing;
    }

    /** The highest sequence reported missing, 0 when none. */
    long highestMissing() {
        return Math.max(0, reportedMissing.length() - 1);
    }

    long rewritten() {
        return rewritten;
    }

    /** What was found, at most {@code maxListed} of it, in the order found. */
    List<Discrepancy> discrepancies() {
        return List.copyOf(listed);
    }

    @Override
    public Iterator<SignedCheckpoint> checkpoints(long from, long to) {
        Iterator<SignedCheckpoint> fromDatabase = stored.checkpoints(from, to);
        Iterator<SignedCheckpoint> fromTopic = from > to ? Collections.emptyIterator()
                : published.notStored().subMap(from, true, to, true).values().iterator();
        return new Iterator<>() {
            private SignedCheckpoint database = fromDatabase.hasNext() ? fromDatabase.next() : null;
            private SignedCheckpoint topic = fromTopic.hasNext() ? fromTopic.next() : null;

            @Override
            public boolean hasNext() {
                return database != null || topic != null;
            }

            @Override
            public SignedCheckpoint next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                long d = database == null ? Long.MAX_VALUE : database.checkpoint().sequence();
                long t = topic == null ? Long.MAX_VALUE : topic.checkpoint().sequence();
                if (t < d) { // published, and PostgreSQL does not hold it (any more)
                    SignedCheckpoint next = topic;
                    topic = fromTopic.hasNext() ? fromTopic.next() : null;
                    missing(t);
                    return next;
                }
                if (t == d) { // signed and stored while the topic was read: the stored one, compared below
                    topic = fromTopic.hasNext() ? fromTopic.next() : null;
                }
                SignedCheckpoint next = database;
                database = fromDatabase.hasNext() ? fromDatabase.next() : null;
                if (published.published(d) && !published.matches(next)) {
                    rewritten(d);
                }
                return next;
            }
        };
    }

    @Override
    public Iterator<StoredExecution> rows(int partition, long after, long upTo) {
        return stored.rows(partition, after, upTo);
    }

    private void missing(long sequence) {
        if (firstTime(reportedMissing, sequence)) {
            missing++;
            list(Discrepancy.of(Kind.CHECKPOINT_MISSING, "checkpoint #" + sequence + " was published to "
                    + Topics.EVIDENCE_CHECKPOINTS + " but PostgreSQL does not hold it (deleted, or edited beyond "
                    + "reading): the rows it covers are verified against the published copy"));
        }
    }

    private void rewritten(long sequence) {
        if (firstTime(reportedRewritten, sequence)) {
            rewritten++;
            list(Discrepancy.of(Kind.CHECKPOINT_REWRITTEN, "checkpoint #" + sequence + " as PostgreSQL holds it "
                    + "differs from the one published to " + Topics.EVIDENCE_CHECKPOINTS));
        }
    }

    /** The verifier reads checkpoints more than once (per partition): each is reported once. */
    private static boolean firstTime(BitSet reported, long sequence) {
        boolean first = !reported.get((int) sequence);
        reported.set((int) sequence);
        return first;
    }

    private void list(Discrepancy d) {
        if (listed.size() < maxListed) {
            listed.add(d);
        }
    }
}
