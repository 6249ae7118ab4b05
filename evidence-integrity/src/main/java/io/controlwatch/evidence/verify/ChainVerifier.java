package io.controlwatch.evidence.verify;

import io.controlwatch.evidence.EvidenceChain;
import io.controlwatch.evidence.Sha256;
import io.controlwatch.evidence.verify.Discrepancy.Kind;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Recomputes one partition's chain from its rows and links and holds it against signed checkpoints. Used by the
 * offline verifier over a bundle and by the alerting service over the rows it reads from PostgreSQL.
 *
 * <p>The verdict comes from the signed checkpoints alone: between two checkpoints the recomputed head and count must
 * equal the signed ones. To <em>name</em> what was done, the verifier also reads the digest and head the store
 * recorded for each row when it chained it: a row whose content no longer matches its recorded digest was changed;
 * two rows that hold each other's recorded content were swapped; a row that does not follow the recorded chain but
 * whose successor follows its predecessor was inserted; a row chained after a row that is gone marks a deletion.
 * Whoever rewrote those columns too is still caught, but only by the range between two checkpoints.
 *
 * <p>Entries arrive in offset order, one partition per call; memory stays bounded (suspects per segment are capped).
 */
public final class ChainVerifier {

    /** Most suspect rows kept per segment for naming; beyond it the segment is still judged, just less precisely. */
    static final int MAX_SUSPECTS = 10_000;

    private final Population population;
    private final boolean allowUncheckpointed;
    private final DiscrepancyLog log;

    /**
     * @param population          what the rows claim to be (period and scope), or null to check integrity only
     * @param allowUncheckpointed true when rows after the last checkpoint are normal (the live store: they will be
     *                            covered by the next checkpoint); false for an export, where they cannot be verified
     */
    public ChainVerifier(Population population, boolean allowUncheckpointed, DiscrepancyLog log) {
        this.population = population;
        this.allowUncheckpointed = allowUncheckpointed;
        this.log = Objects.requireNonNull(log, "log");
    }

    /** What one partition's verification saw. */
    public record PartitionResult(int partition, long rows, long links, long checkpointedEntries,
                                  long uncheckpointedEntries, long lastCheckpoint, boolean verified) {
    }

    /**
     * Verifies a partition.
     *
     * @param anchor   the verified position the entries start after (a checkpoint, or genesis)
     * @param closing  the partition's positions in the following verified checkpoints, in sequence order
     * @param entries  the partition's rows and links after the anchor, in offset order
     */
    public PartitionResult verifyPartition(int partition, CheckpointPosition anchor,
                                           Iterator<CheckpointPosition> closing, Iterator<ChainEntry> entries) {
        if (anchor.head().partition() != partition) {
            throw new IllegalArgumentException("anchor is of partition " + anchor.head().partition());
        }
        long before = log.total();
        checkStart(partition, anchor);

        Segment segment = new Segment(partition, anchor);
        CheckpointPosition target = nextTarget(closing, partition, anchor);
        CheckpointPosition last = anchor;
        long lastOffset = anchor.head().offset();
        long rows = 0;
        long links = 0;
        long checkpointed = 0;
        long uncheckpointed = 0;
        while (entries.hasNext()) {
            ChainEntry e = entries.next();
            if (e.partition() != partition) {
                throw new IllegalArgumentException("entry of partition " + e.partition() + " given for " + partition);
            }
            if (e.link()) {
                links++;
            } else {
                rows++;
            }
            checkPopulation(e);
            if (e.offset() <= lastOffset) {
                log.add(new Discrepancy(Kind.CHAIN_ORDER, partition, e.offset(), e.executionId(), e.where()
                        + (e.offset() <= anchor.head().offset() && checkpointed + uncheckpointed == 0
                        ? ": rows out of chain order: the entry lies before " + anchor.nameWithOffset()
                          + ", where the exported chain starts"
                        : ": rows out of chain order: offset " + e.offset() + " comes after offset " + lastOffset
                          + " (reordered, or a second entry claims the same place)")));
                continue;
            }
            lastOffset = e.offset();
            while (target != null && e.offset() > target.head().offset()) {
                segment = segment.close(target);
                last = target;
                target = nextTarget(closing, partition, last);
            }
            if (target == null) {
                uncheckpointed++;
                continue;
            }
            checkpointed++;
            segment.add(e);
        }
        while (target != null) {
            segment = segment.close(target);
            last = target;
            target = nextTarget(closing, partition, last);
        }
        if (uncheckpointed > 0 && !allowUncheckpointed) {
            log.add(new Discrepancy(Kind.NOT_CHECKPOINTED, partition, null, null, "partition " + partition + ": "
                    + uncheckpointed + " entries after " + last.nameWithOffset()
                    + " are covered by no signed checkpoint of the export, so they cannot be verified"));
        }
        return new PartitionResult(partition, rows, links, checkpointed, uncheckpointed, last.sequence(),
                log.total() == before);
    }

    /** A period's population is complete from the anchor on only if no row before it belongs to the period. */
    private void checkStart(int partition, CheckpointPosition anchor) {
        Instant max = anchor.head().maxEventTime();
        if (population != null && anchor.sequence() > 0 && max != null && !max.isBefore(population.from())) {
            log.add(new Discrepancy(Kind.START_NOT_PROVEN, partition, anchor.head().offset(), null, "partition "
                    + partition + ": " + anchor.name() + ", where the export starts, already covers rows with event"
                    + " times up to " + max + ", not before the period's start " + population.from()
                    + ": rows of the period recorded before it are not in the export, so its population is not"
                    + " proven complete"));
        }
    }

    private void checkPopulation(ChainEntry e) {
        if (population == null) {
            return;
        }
        boolean member = population.contains(e.eventTime(), e.controlId());
        if (e.link() && member) {
            log.add(new Discrepancy(Kind.HIDDEN_IN_LINKS, e.partition(), e.offset(), null, e.where()
                    + ": a row of the period (event time " + e.eventTime() + ", control " + e.controlId()
                    + ") is given as a link only: the population is incomplete"));
        } else if (!e.link() && !member) {
            log.add(new Discrepancy(Kind.OUTSIDE_PERIOD, e.partition(), e.offset(), e.executionId(), e.where()
                    + ": the row (event time " + e.eventTime() + ", control " + e.controlId()
                    + ") is not part of the export's period and scope, yet it is counted in the population"));
        }
    }

    /** The next position that moves past {@code after}; positions that regress are reported and skipped. */
    private CheckpointPosition nextTarget(Iterator<CheckpointPosition> closing, int partition,
                                          CheckpointPosition after) {
        while (closing.hasNext()) {
            CheckpointPosition p = closing.next();
            if (p.head().partition() != partition) {
                throw new IllegalArgumentException("position of partition " + p.head().partition() + " given for "
                        + partition);
            }
            if (p.head().count() < after.head().count() || p.head().offset() < after.head().offset()) {
                log.add(new Discrepancy(Kind.CHECKPOINT_INVALID, partition, p.head().offset(), null, "partition "
                        + partition + ": " + p.name() + " records fewer rows than " + after.name()));
                continue;
            }
            return p;
        }
        return null;
    }

    /** The entries between two checkpoints, recomputed, plus what is needed to name a tampering. */
    private final class Segment {
        private final int partition;
        private final CheckpointPosition start;
        private Sha256 head;
        private long count;
        private long lastEntryOffset;
        private final List<ChainEntry> changed = new ArrayList<>();
        private final List<ChainEntry> unrecorded = new ArrayList<>();
        private final List<Discrepancy> named = new ArrayList<>();
        private long suspectsDropped;
        private boolean anyRecorded;
        private boolean recordedChainUnusable;
        // the chain the store recorded, replayed to name rows: the last head that followed, the one before it, and a
        // row that did not follow (yet) and awaits its successor to tell whether it was inserted or follows a deletion
        private Sha256 lastGood;
        private ChainEntry lastGoodEntry;
        private Sha256 prevGood;
        private ChainEntry pending;

        Segment(int partition, CheckpointPosition start) {
            this.partition = partition;
            this.start = start;
            this.head = start.head().head();
            this.count = start.head().count();
            this.lastGood = head;
            this.lastEntryOffset = start.head().offset();
        }

        void add(ChainEntry e) {
            Sha256 leaf = EvidenceChain.leaf(partition, e.offset(), e.eventTime(), e.controlId(), e.rowDigest());
            head = EvidenceChain.next(head, leaf);
            count++;
            lastEntryOffset = e.offset();
            boolean changedRow = e.recordedDigest() != null && !e.recordedDigest().equals(e.rowDigest());
            if (changedRow) {
                suspect(changed, e);
            }
            if (recordedChainUnusable) {
                return;
            }
            Sha256 recorded = e.recordedHead();
            if (recorded == null) {
                if (e.link()) {
                    // a link without its recorded head: the recorded chain cannot be followed past it
                    recordedChainUnusable = true;
                } else {
                    suspect(unrecorded, e);
                }
                return;
            }
            anyRecorded = true;
            if (changedRow) {
                // its original leaf is unknown: take its recorded head as given and go on from there
                if (pending != null) {
                    name(brokenAt(pending));
                    pending = null;
                }
                follow(recorded, e);
                return;
            }
            if (EvidenceChain.next(lastGood, leaf).equals(recorded)) {
                if (pending != null) {
                    name(inserted(pending)); // e follows the row before the pending one
                    pending = null;
                }
                follow(recorded, e);
            } else if (pending != null && EvidenceChain.next(pending.recordedHead(), leaf).equals(recorded)) {
                name(deletedBefore(pending)); // the pending row is genuine but what it followed is gone
                prevGood = pending.recordedHead();
                lastGood = recorded;
                lastGoodEntry = e;
                pending = null;
            } else if (pending == null && prevGood != null && lastGoodEntry != null
                    && EvidenceChain.next(prevGood, leaf).equals(recorded)) {
                name(inserted(lastGoodEntry)); // e skips the previous row: that one was put in between
                lastGood = recorded;
                lastGoodEntry = e;
            } else if (pending != null) {
                name(brokenAt(pending));
                pending = null;
                prevGood = null;
                lastGood = recorded; // start over from this row
                lastGoodEntry = e;
            } else {
                pending = e;
            }
        }

        private void follow(Sha256 recorded, ChainEntry e) {
            prevGood = lastGood;
            lastGood = recorded;
            lastGoodEntry = e;
        }

        Segment close(CheckpointPosition target) {
            if (pending != null) {
                if (pending.offset() == target.head().offset() && pending.recordedHead().equals(target.head().head())) {
                    name(deletedBefore(pending)); // the signed head confirms the pending row
                } else {
                    name(brokenAt(pending));
                }
                pending = null;
            }
            long expected = target.head().count() - start.head().count();
            long found = count - start.head().count();
            String range = "between " + start.nameWithOffset() + " and " + target.nameWithOffset();
            if (count == target.head().count() && head.equals(target.head().head())) {
                long altered = changed.size() + named.size() + (anyRecorded ? unrecorded.size() : 0);
                if (altered > 0) {
                    log.add(new Discrepancy(Kind.RECORDED_CHAIN_ALTERED, partition, null, null, "partition "
                            + partition + ": the " + found + " entries " + range + " match the signed checkpoint, but "
                            + altered + " digest(s) or head(s) the store recorded for them do not match: the chain"
                            + " columns were edited"));
                }
                return new Segment(partition, target);
            }
            long before = log.total();
            int deleted = 0;
            int insertedNamed = 0;
            nameSwapsAndChanges();
            for (Discrepancy d : named) {
                log.add(d);
                deleted += d.kind() == Kind.ROW_DELETED ? 1 : 0;
                insertedNamed += d.kind() == Kind.ROW_INSERTED ? 1 : 0;
            }
            if (anyRecorded) {
                for (ChainEntry u : unrecorded) {
                    log.add(new Discrepancy(Kind.ROW_INSERTED, partition, u.offset(), u.executionId(), u.where()
                            + ": row inserted: it carries no recorded chain head, unlike the rows around it, so it"
                            + " was not stored through the chain"));
                    insertedNamed++;
                }
            }
            // offsets are signed: if the checkpoint's last row is not there, that row was deleted
            if (expected > 0 && lastEntryOffset != target.head().offset()) {
                log.add(new Discrepancy(Kind.ROW_DELETED, partition, target.head().offset(), null, "partition "
                        + partition + ", offset " + target.head().offset() + ": row deleted: " + target.name()
                        + " ends the chain with the row at this offset, and the export has no row there"));
                deleted++;
            }
            if (found < expected && deleted == 0) {
                log.add(new Discrepancy(Kind.ROW_DELETED, partition, null, null, "partition " + partition + ": "
                        + (expected - found) + " row(s) deleted " + range + ": the signed checkpoint counts "
                        + expected + " there, the export " + found));
            } else if (found > expected && insertedNamed == 0) {
                log.add(new Discrepancy(Kind.ROW_INSERTED, partition, null, null, "partition " + partition + ": "
                        + (found - expected) + " row(s) inserted " + range + ": the signed checkpoint counts "
                        + expected + " there, the export " + found));
            }
            if (log.total() == before) {
                log.add(new Discrepancy(Kind.CHAIN_MISMATCH, partition, null, null, "partition " + partition
                        + ": the " + found + " entries " + range + " do not match the signed checkpoint (same count,"
                        + " different head): rows were changed or reordered, and the digests recorded for them"
                        + " rewritten to hide it"));
            }
            if (suspectsDropped > 0) {
                log.add(new Discrepancy(Kind.CHAIN_MISMATCH, partition, null, null, "partition " + partition + ": "
                        + suspectsDropped + " more suspect rows " + range + " were not examined one by one"));
            }
            return new Segment(partition, target);
        }

        /** Two changed rows that each hold the other's recorded content were swapped; the rest were changed. */
        private void nameSwapsAndChanges() {
            Map<Sha256, ChainEntry> byRecorded = new HashMap<>();
            for (ChainEntry e : changed) {
                byRecorded.putIfAbsent(e.recordedDigest(), e);
            }
            Map<ChainEntry, Boolean> reported = new IdentityHashMap<>();
            for (ChainEntry e : changed) {
                if (reported.containsKey(e)) {
                    continue;
                }
                ChainEntry other = byRecorded.get(e.rowDigest());
                if (other != null && other != e && !reported.containsKey(other)
                        && other.rowDigest().equals(e.recordedDigest())) {
                    reported.put(e, true);
                    reported.put(other, true);
                    log.add(new Discrepancy(Kind.ROWS_SWAPPED, partition, e.offset(), e.executionId(), "partition "
                            + partition + ", offsets " + e.offset() + " and " + other.offset() + ": rows swapped:"
                            + " each holds the content recorded for the other (executions now " + e.executionId()
                            + " and " + other.executionId() + ")"));
                } else {
                    reported.put(e, true);
                    log.add(new Discrepancy(Kind.ROW_CHANGED, partition, e.offset(), e.executionId(), e.where()
                            + ": row changed: its content no longer matches the digest recorded when it was stored"
                            + " (recorded " + e.recordedDigest().hex().substring(0, 16) + "…, now "
                            + e.rowDigest().hex().substring(0, 16) + "…)"));
                }
            }
        }

        private void suspect(List<ChainEntry> list, ChainEntry e) {
            if (list.size() < MAX_SUSPECTS) {
                list.add(e);
            } else {
                suspectsDropped++;
            }
        }

        private void name(Discrepancy d) {
            if (named.size() < MAX_SUSPECTS) {
                named.add(d);
            } else {
                suspectsDropped++;
            }
        }

        private Discrepancy inserted(ChainEntry e) {
            return new Discrepancy(Kind.ROW_INSERTED, partition, e.offset(), e.executionId(), e.where()
                    + ": row inserted: the row after it follows the row before it in the recorded chain");
        }

        private Discrepancy deletedBefore(ChainEntry e) {
            String previous = lastGoodEntry == null ? start.nameWithOffset() : "offset " + lastGoodEntry.offset();
            return new Discrepancy(Kind.ROW_DELETED, partition, e.offset(), e.executionId(), "partition " + partition
                    + ": row(s) deleted between " + previous + " and offset " + e.offset() + ": the row at offset "
                    + e.offset() + " was chained after a row that is no longer there");
        }

        private Discrepancy brokenAt(ChainEntry e) {
            return new Discrepancy(Kind.CHAIN_MISMATCH, partition, e.offset(), e.executionId(), e.where()
                    + ": this entry does not follow the chain recorded when its neighbours were stored: it was moved"
                    + " or rewritten, or the rows around it were");
        }
    }
}
