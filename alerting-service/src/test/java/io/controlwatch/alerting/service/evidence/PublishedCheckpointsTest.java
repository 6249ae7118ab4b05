package io.controlwatch.alerting.service.evidence;

import io.controlwatch.evidence.ChainHead;
import io.controlwatch.evidence.Checkpoint;
import io.controlwatch.evidence.KeyRing;
import io.controlwatch.evidence.Sha256;
import io.controlwatch.evidence.SignedCheckpoint;
import io.controlwatch.evidence.SigningKey;
import io.controlwatch.evidence.StoredExecution;
import io.controlwatch.evidence.verify.Discrepancy;
import io.controlwatch.evidence.verify.Discrepancy.Kind;
import io.controlwatch.evidence.verify.EvidenceSource;
import io.controlwatch.model.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The checkpoint topic as a verification reads it ({@link PublishedCheckpoints}), and the stored checkpoints held
 * against it ({@link TopicCheckedSource}): what is taken, what is refused, and what is reported.
 */
class PublishedCheckpointsTest {

    static final SigningKey KEY = SigningKey.generate();
    static final KeyRing TRUSTED = KeyRing.trusting(List.of(KEY.publicKey()));
    static final Instant T = Instant.parse("2026-03-01T10:00:00Z");

    /** A run of signed checkpoints #1..#n, each a row further on partition 0. */
    static List<SignedCheckpoint> run(int n, SigningKey key) {
        List<SignedCheckpoint> run = new ArrayList<>();
        SignedCheckpoint previous = null;
        for (int i = 1; i <= n; i++) {
            ChainHead head = new ChainHead(0, i, i, Sha256.hash(("head " + i).getBytes(StandardCharsets.UTF_8)),
                    T.plusSeconds(i));
            previous = Checkpoint.next(previous, Topics.EXECUTIONS, T.plusSeconds(60L * i), List.of(head), key);
            run.add(previous);
        }
        return run;
    }

    static long offset;

    static ConsumerRecord<String, String> record(String key, String value) {
        return new ConsumerRecord<>(Topics.EVIDENCE_CHECKPOINTS, 0, offset++, key, value);
    }

    static ConsumerRecord<String, String> record(SignedCheckpoint c) {
        return record(Long.toString(c.checkpoint().sequence()), c.toJson());
    }

    static BitSet sequences(long... stored) {
        BitSet set = new BitSet();
        for (long s : stored) {
            set.set((int) s);
        }
        return set;
    }

    @Test
    void keepsADigestOfEveryPublishedCheckpointAndInFullThoseTheDatabaseDidNotHold() {
        List<SignedCheckpoint> run = run(4, KEY);
        PublishedCheckpoints published = new PublishedCheckpoints(TRUSTED, sequences(1, 2));
        run.forEach(c -> published.accept(record(c)));
        published.accept(record(run.get(1))); // published twice (a relay that crashed before marking it): one

        assertThat(published.count()).isEqualTo(4);
        assertThat(published.records()).isEqualTo(5);
        assertThat(published.latest()).isEqualTo(4);
        assertThat(published.invalid()).isEmpty();
        assertThat(published.notStored()).containsOnlyKeys(3L, 4L);
        assertThat(published.notStored().get(4L)).isEqualTo(run.get(3));
        assertThat(run).allMatch(published::matches);
        // the same sequence, signed again at another time, is another checkpoint
        assertThat(published.matches(Checkpoint.next(run.get(0), Topics.EXECUTIONS, T.plusSeconds(5),
                run.get(1).checkpoint().partitions(), KEY))).isFalse();
        assertThat(published.published(5)).isFalse();
        assertThat(published.published(0)).isFalse();
    }

    @Test
    void aRecordThatIsNoCheckpointOfATrustedKeyIsRefusedAndReported() {
        List<SignedCheckpoint> run = run(2, KEY);
        PublishedCheckpoints published = new PublishedCheckpoints(TRUSTED, sequences(1, 2));
        published.accept(record(run.get(0)));
        published.accept(record("2", null));                                        // a tombstone
        published.accept(record("2", "{\"not\": \"a checkpoint\"}"));                // junk
        published.accept(record("7", run.get(1).toJson()));                         // under another key
        published.accept(record(run(2, SigningKey.generate()).get(1)));             // signed by a stranger
        published.accept(record(Checkpoint.next(null, Topics.EXECUTIONS, T, run.get(0).checkpoint().partitions(),
                KEY)));                                                              // another #1: a fork

        assertThat(published.count()).isEqualTo(1);
        assertThat(published.published(2)).isFalse();
        assertThat(published.invalid()).extracting(Discrepancy::kind).containsExactly(Kind.CHECKPOINT_INVALID,
                Kind.CHECKPOINT_INVALID, Kind.CHECKPOINT_INVALID, Kind.CHECKPOINT_SIGNATURE, Kind.CHECKPOINT_INVALID);
        assertThat(published.matches(run.get(0))).isTrue(); // the first published #1 is kept
        assertThat(published.invalid().get(4).message()).contains("another checkpoint #1");
        assertThat(published.invalid().get(0).message()).contains("never withdrawn");
        assertThat(published.invalid().get(2).message()).contains("key 7", "#2");
    }

    @Test
    void storedCheckpointsAreHeldAgainstThePublishedOnesAndARemovedOneIsReplacedByItsCopy() {
        List<SignedCheckpoint> run = run(5, KEY);
        // PostgreSQL lost #2 and #5 and holds #3 signed again over other heads (a rewrite with the key)
        SignedCheckpoint rewritten3 = Checkpoint.next(run.get(1), Topics.EXECUTIONS, T.plusSeconds(1),
                run.get(2).checkpoint().partitions(), KEY);
        TreeMap<Long, SignedCheckpoint> stored = new TreeMap<>();
        stored.put(1L, run.get(0));
        stored.put(3L, rewritten3);
        stored.put(4L, run.get(3));
        PublishedCheckpoints published = new PublishedCheckpoints(TRUSTED, sequences(1, 3, 4));
        run.forEach(c -> published.accept(record(c)));

        TopicCheckedSource source = new TopicCheckedSource(new MemorySource(stored), published, 10);
        source.reportMissing(sequences(1, 3, 4));
        List<SignedCheckpoint> seen = new ArrayList<>();
        source.checkpoints(1, 5).forEachRemaining(seen::add);
        source.checkpoints(2, 4).forEachRemaining(c -> { }); // read again: nothing is reported twice
        assertThat(source.checkpoints(4, 3).hasNext()).isFalse(); // an empty range, as the verifier may ask

        assertThat(seen).containsExactly(run.get(0), run.get(1), rewritten3, run.get(3), run.get(4));
        assertThat(source.missing()).isEqualTo(2);
        assertThat(source.rewritten()).isEqualTo(1);
        assertThat(source.highestMissing()).isEqualTo(5);
        assertThat(source.discrepancies()).extracting(Discrepancy::kind).containsExactly(Kind.CHECKPOINT_MISSING,
                Kind.CHECKPOINT_MISSING, Kind.CHECKPOINT_REWRITTEN);
        assertThat(source.discrepancies().get(0).message()).contains("#2", Topics.EVIDENCE_CHECKPOINTS);
        assertThat(source.discrepancies().get(2).message()).contains("#3");
    }

    @Test
    void withNothingRemovedOrChangedNothingIsReported() {
        List<SignedCheckpoint> run = run(3, KEY);
        TreeMap<Long, SignedCheckpoint> stored = new TreeMap<>();
        run.forEach(c -> stored.put(c.checkpoint().sequence(), c));
        PublishedCheckpoints published = new PublishedCheckpoints(TRUSTED, sequences(1, 2, 3));
        run.subList(0, 2).forEach(c -> published.accept(record(c))); // #3 not yet published: normal for seconds

        TopicCheckedSource source = new TopicCheckedSource(new MemorySource(stored), published, 10);
        source.reportMissing(sequences(1, 2, 3));
        List<SignedCheckpoint> seen = new ArrayList<>();
        source.checkpoints(1, 3).forEachRemaining(seen::add);

        assertThat(seen).containsExactlyElementsOf(run);
        assertThat(source.discrepancies()).isEmpty();
        assertThat(source.highestMissing()).isZero();
    }

    /** Checkpoints in memory; no rows (the topic's part concerns checkpoints only). */
    record MemorySource(TreeMap<Long, SignedCheckpoint> checkpoints) implements EvidenceSource {
        @Override
        public Iterator<SignedCheckpoint> checkpoints(long from, long to) {
            return from > to ? List.<SignedCheckpoint>of().iterator()
                    : checkpoints.subMap(from, true, to, true).values().iterator();
        }

        @Override
        public Iterator<StoredExecution> rows(int partition, long after, long upTo) {
            return List.<StoredExecution>of().iterator();
        }
    }
}
