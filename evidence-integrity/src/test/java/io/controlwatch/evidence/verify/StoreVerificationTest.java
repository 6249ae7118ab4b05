package io.controlwatch.evidence.verify;

import io.controlwatch.evidence.EvidenceStore;
import io.controlwatch.evidence.KeyRing;
import io.controlwatch.evidence.Rows;
import io.controlwatch.evidence.SignedCheckpoint;
import io.controlwatch.evidence.SigningKey;
import io.controlwatch.evidence.StoredExecution;
import io.controlwatch.evidence.Tamper;
import io.controlwatch.evidence.verify.Discrepancy.Kind;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The live-store verification the alerting service's verify endpoint runs, over an in-memory store whose rows and
 * checkpoint table are tampered with as someone with database access would.
 */
class StoreVerificationTest {

    private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");

    private SigningKey key;
    private EvidenceStore store;
    /** The "tables": rows per partition and checkpoints, which the tests edit like UPDATE/DELETE would. */
    private Map<Integer, List<StoredExecution>> rows;
    private List<SignedCheckpoint> checkpoints;

    @BeforeEach
    void storeEvidence() {
        key = SigningKey.generate();
        store = new EvidenceStore(key, 3);
        for (int i = 0; i < 300; i++) {
            store.store(i % 3, i / 3, Rows.row(i, "cc6.1-console-login-mfa", T0.plusSeconds(i), "PASS"));
            if ((i + 1) % 30 == 0) {
                store.checkpoint(T0.plusSeconds(i + 1));
            }
        }
        // five rows stored after the last checkpoint: pending, not yet covered
        for (int i = 300; i < 305; i++) {
            store.store(i % 3, i / 3, Rows.row(i, "cc6.1-console-login-mfa", T0.plusSeconds(i), "PASS"));
        }
        rows = new TreeMap<>();
        for (int p = 0; p < 3; p++) {
            rows.put(p, new ArrayList<>(store.rows(p)));
        }
        checkpoints = new ArrayList<>(store.checkpoints());
    }

    private StoreVerification.Result verify(long anchor, long last) {
        EvidenceSource source = new EvidenceSource() {
            @Override
            public Iterator<SignedCheckpoint> checkpoints(long from, long to) {
                return checkpoints.stream().filter(c -> c.checkpoint().sequence() >= from
                        && c.checkpoint().sequence() <= to).iterator();
            }

            @Override
            public Iterator<StoredExecution> rows(int partition, long after, long upTo) {
                return rows.get(partition).stream().filter(s -> s.offset() > after && s.offset() <= upTo).iterator();
            }
        };
        return StoreVerification.verify(source, KeyRing.trusting(List.of(key.publicKey())), anchor, last);
    }

    @Test
    void anUntouchedStoreVerifiesAndCountsPendingRows() {
        StoreVerification.Result all = verify(0, 10);
        assertThat(all.discrepancies()).isEmpty();
        assertThat(all.verified()).isTrue();
        assertThat(all.rowsVerified()).isEqualTo(300);
        assertThat(all.rowsPending()).isEqualTo(5);
        assertThat(all.partitions()).isEqualTo(3);

        StoreVerification.Result recent = verify(7, 10);
        assertThat(recent.verified()).isTrue();
        assertThat(recent.rowsVerified()).isEqualTo(90);
        assertThat(recent.checkpoints()).isEqualTo(4);
    }

    @Test
    void anUpdateOfAResultIsNamed() {
        // UPDATE control_execution SET result = 'PASS' WHERE execution_id = …   (a failure hidden)
        StoredExecution target = rows.get(1).get(40);
        Tamper.replace(rows.get(1), 40, r -> Tamper.result(r, "FAIL"));
        StoreVerification.Result result = verify(0, 10);
        assertThat(result.verified()).isFalse();
        assertThat(result.discrepancies()).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo(Kind.ROW_CHANGED);
            assertThat(d.executionId()).isEqualTo(target.row().executionId());
            assertThat(d.partition()).isEqualTo(1);
            assertThat(d.offset()).isEqualTo(40);
        });
    }

    @Test
    void aDeleteAndAnInsertAreNamed() {
        Tamper.remove(rows.get(0), 12);
        Tamper.insertBare(rows.get(2), 50, 49); // offsets of partition 2 are dense: 49 is taken, a second claim
        StoreVerification.Result result = verify(0, 10);
        assertThat(result.discrepancies()).extracting(Discrepancy::kind)
                .contains(Kind.ROW_DELETED, Kind.CHAIN_ORDER);
        assertThat(result.discrepancies()).filteredOn(d -> d.kind() == Kind.ROW_DELETED)
                .singleElement().extracting(Discrepancy::partition).isEqualTo(0);
    }

    @Test
    void rewritingTheRowsAndTheirChainColumnsIsStillCaughtByTheCheckpoints() {
        // the forger edits a result and recomputes every digest and head of the partition: only the signed
        // checkpoints, kept outside the database (the Kafka topic), still disagree
        List<StoredExecution> forged = Tamper.rechain(Tamper.replace(rows.get(2), 70, r -> Tamper.result(r, "FAIL")));
        rows.put(2, forged);
        StoreVerification.Result result = verify(0, 10);
        assertThat(result.verified()).isFalse();
        assertThat(result.discrepancies()).filteredOn(d -> d.kind() == Kind.CHAIN_MISMATCH)
                .singleElement().satisfies(d -> assertThat(d.message())
                        .contains("partition 2: the 10 entries between checkpoint #7 (offset 69) and checkpoint #8"));
    }

    @Test
    void checkpointsRemovedFromTheTableAreReported() {
        checkpoints.removeIf(c -> c.checkpoint().sequence() == 4);
        StoreVerification.Result result = verify(0, 10);
        assertThat(result.discrepancies()).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo(Kind.CHECKPOINT_MISSING);
            assertThat(d.message()).contains("checkpoint #4 is missing between #3 and #5");
        });

        checkpoints.removeIf(c -> c.checkpoint().sequence() == 10);
        assertThat(verify(0, 10).discrepancies()).extracting(Discrepancy::message)
                .anySatisfy(m -> assertThat(m).contains("checkpoint #10 is missing"));
    }

    @Test
    void aCheckpointSignedByAnotherKeyIsNotTrusted() {
        SigningKey forger = SigningKey.generate();
        SignedCheckpoint real = checkpoints.get(5);
        SignedCheckpoint forged = new io.controlwatch.evidence.Checkpoint(real.checkpoint().sequence(),
                real.checkpoint().topic(), real.checkpoint().createdAt(), real.checkpoint().previous(),
                forger.keyId(), real.checkpoint().partitions()).sign(forger);
        checkpoints.set(5, forged);
        assertThat(verify(0, 10).discrepancies()).extracting(Discrepancy::kind).contains(Kind.UNTRUSTED_KEY);
    }

    @Test
    void anEmptyRangeIsAUsageError() {
        assertThatThrownBy(() -> verify(5, 4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> verify(0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
