package io.controlwatch.evidence.verify;

import io.controlwatch.evidence.ChainHead;
import io.controlwatch.evidence.EvidenceRow;
import io.controlwatch.evidence.EvidenceStore;
import io.controlwatch.evidence.Rows;
import io.controlwatch.evidence.Sha256;
import io.controlwatch.evidence.SignedCheckpoint;
import io.controlwatch.evidence.SigningKey;
import io.controlwatch.evidence.StoredExecution;
import io.controlwatch.evidence.verify.Discrepancy.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static io.controlwatch.evidence.Tamper.insert;
import static io.controlwatch.evidence.Tamper.insertBare;
import static io.controlwatch.evidence.Tamper.rechain;
import static io.controlwatch.evidence.Tamper.remove;
import static io.controlwatch.evidence.Tamper.reorder;
import static io.controlwatch.evidence.Tamper.replace;
import static io.controlwatch.evidence.Tamper.result;
import static io.controlwatch.evidence.Tamper.swap;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tampering with the evidence store, each case judged by the chain verifier against the signed checkpoints: the
 * verdict, and the words that name what was done.
 */
class ChainVerifierTest {

    private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");
    /** Offsets with gaps, as a transactional producer leaves them (commit markers take offsets): 0-3, 5-8, 10-13… */
    private static final long[] OFFSETS = offsets(40);

    /** 40 rows on partition 0; checkpoints after rows 10, 20, 30 and 40 (offsets below). */
    private static EvidenceStore store() {
        EvidenceStore store = new EvidenceStore(SigningKey.generate(), 1);
        for (int i = 0; i < OFFSETS.length; i++) {
            store.store(0, OFFSETS[i], Rows.row(i, "cc6.1-console-login-mfa", T0.plusSeconds(60L * i),
                    i % 7 == 3 ? "FAIL" : "PASS"));
            if ((i + 1) % 10 == 0) {
                store.checkpoint(T0.plusSeconds(60L * i + 30));
            }
        }
        return store;
    }

    private static long[] offsets(int n) {
        long[] offsets = new long[n];
        long offset = 0;
        for (int i = 0; i < n; i++) {
            offsets[i] = offset;
            offset += i % 4 == 3 ? 2 : 1; // every fourth row leaves a gap
        }
        return offsets;
    }

    record Case(String name, UnaryOperator<List<StoredExecution>> tamper, Kind kind, Long offset, String words) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> tamperings() {
        return Stream.of(
                new Case("nothing changed", rows -> rows, null, null, null),
                new Case("a row's result changed", rows -> replace(rows, 13, r -> result(r, "FAIL")),
                        Kind.ROW_CHANGED, OFFSETS[13], "row changed"),
                new Case("a row deleted", rows -> remove(rows, 13), Kind.ROW_DELETED, OFFSETS[14],
                        "deleted between offset " + OFFSETS[12] + " and offset " + OFFSETS[14]),
                new Case("the first row after a checkpoint deleted", rows -> remove(rows, 10), Kind.ROW_DELETED,
                        OFFSETS[11], "deleted between checkpoint #1 (offset " + OFFSETS[9] + ")"),
                new Case("the last row a checkpoint covers deleted", rows -> remove(rows, 19), Kind.ROW_DELETED,
                        OFFSETS[19], "checkpoint #2 ends the chain with the row at this offset"),
                new Case("a row inserted into a gap, with chain columns made up", rows -> insert(rows, 16,
                        OFFSETS[15] + 1, false), Kind.ROW_INSERTED, OFFSETS[15] + 1, "row inserted"),
                new Case("a row inserted into a gap, its chain head recomputed", rows -> insert(rows, 16,
                        OFFSETS[15] + 1, true), Kind.ROW_INSERTED, OFFSETS[15] + 1, "row inserted"),
                new Case("a row inserted without chain columns", rows -> insertBare(rows, 16, OFFSETS[15] + 1),
                        Kind.ROW_INSERTED, OFFSETS[15] + 1, "carries no recorded chain head"),
                new Case("two rows swapped", rows -> swap(rows, 12, 16), Kind.ROWS_SWAPPED, OFFSETS[12],
                        "offsets " + OFFSETS[12] + " and " + OFFSETS[16] + ": rows swapped"),
                new Case("a result changed and every recorded digest rewritten", rows -> rechain(replace(rows, 13,
                        r -> result(r, "FAIL"))), Kind.CHAIN_MISMATCH, null,
                        "between checkpoint #1 (offset " + OFFSETS[9] + ") and checkpoint #2"),
                new Case("a row deleted and every recorded digest rewritten", rows -> rechain(remove(rows, 13)),
                        Kind.ROW_DELETED, null, "1 row(s) deleted between checkpoint #1"),
                new Case("a row inserted and every recorded digest rewritten", rows -> rechain(insertBare(rows, 16,
                        OFFSETS[15] + 1)), Kind.ROW_INSERTED, null, "1 row(s) inserted between checkpoint #1"),
                new Case("two rows given in the wrong order", rows -> reorder(rows, 21, 22), Kind.CHAIN_ORDER,
                        OFFSETS[21], "rows out of chain order"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tamperings")
    void everyTamperingIsDetectedAndNamed(Case c) {
        EvidenceStore store = store();
        List<StoredExecution> rows = c.tamper().apply(new ArrayList<>(store.rows(0)));
        DiscrepancyLog log = new DiscrepancyLog();
        ChainVerifier.PartitionResult result = verify(store, rows, null, false, log);
        if (c.kind() == null) {
            assertThat(log.discrepancies()).isEmpty();
            assertThat(result.verified()).isTrue();
            assertThat(result.rows()).isEqualTo(40);
            return;
        }
        assertThat(result.verified()).isFalse();
        assertThat(log.discrepancies()).as("discrepancies of '%s'", c.name())
                .anySatisfy(d -> {
                    assertThat(d.kind()).isEqualTo(c.kind());
                    if (c.offset() != null) {
                        assertThat(d.offset()).isEqualTo(c.offset());
                    }
                    assertThat(d.message()).contains(c.words());
                });
        // nothing is blamed on the intact segments: every finding lies in the tampered range
        assertThat(log.discrepancies()).allSatisfy(d -> {
            if (d.offset() != null) {
                assertThat(d.offset()).isBetween(OFFSETS[9] + 1, OFFSETS[29]);
            }
        });
    }

    @Test
    void aChangedRowIsNamedWithItsExecution() {
        EvidenceStore store = store();
        List<StoredExecution> rows = replace(new ArrayList<>(store.rows(0)), 25, r -> result(r, "FAIL"));
        DiscrepancyLog log = new DiscrepancyLog();
        verify(store, rows, null, false, log);
        assertThat(log.discrepancies()).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo(Kind.ROW_CHANGED);
            assertThat(d.executionId()).isEqualTo(store.rows(0).get(25).row().executionId());
            assertThat(d.message()).startsWith("partition 0, offset " + OFFSETS[25] + " (execution "
                    + store.rows(0).get(25).row().executionId() + "): row changed");
        });
    }

    @Test
    void rowsAfterTheLastCheckpointAreUnverifiedInAnExportButNormalInTheLiveStore() {
        EvidenceStore store = store();
        store.store(0, 1000, Rows.row(100, "c", T0.plusSeconds(9000), "PASS"));
        List<StoredExecution> rows = store.rows(0);

        DiscrepancyLog export = new DiscrepancyLog();
        ChainVerifier.PartitionResult r = verify(store, rows, null, false, export);
        assertThat(export.discrepancies()).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo(Kind.NOT_CHECKPOINTED);
            assertThat(d.message()).contains("1 entries after checkpoint #4");
        });
        assertThat(r.uncheckpointedEntries()).isEqualTo(1);

        DiscrepancyLog live = new DiscrepancyLog();
        assertThat(verify(store, rows, null, true, live).verified()).isTrue();
        assertThat(live.isEmpty()).isTrue();
    }

    @Test
    void aSegmentThatMatchesItsCheckpointButNotTheRecordedDigestsMeansTheChainColumnsWereEdited() {
        EvidenceStore store = store();
        List<StoredExecution> rows = new ArrayList<>(store.rows(0));
        StoredExecution s = rows.get(5);
        rows.set(5, new StoredExecution(0, s.offset(), s.row(), Sha256.hash(new byte[]{1}), s.recordedHead(), null));
        DiscrepancyLog log = new DiscrepancyLog();
        verify(store, rows, null, false, log);
        assertThat(log.discrepancies()).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo(Kind.RECORDED_CHAIN_ALTERED);
            assertThat(d.message()).contains("match the signed checkpoint");
        });
    }

    @Test
    void populationRules() {
        EvidenceStore store = store();
        // period: rows 10..29 (event times T0 + 600 s .. T0 + 1740 s); anchor checkpoint #1, closing #2 and #3
        Population period = new Population(T0.plusSeconds(600), T0.plusSeconds(1800), java.util.Set.of());
        List<ChainEntry> honest = new ArrayList<>();
        for (StoredExecution s : store.rows(0).subList(10, 30)) {
            honest.add(entry(s));
        }
        DiscrepancyLog ok = new DiscrepancyLog();
        verifyFrom(store, 1, honest, period, ok);
        assertThat(ok.discrepancies()).isEmpty();

        // row 15 of the period given as a link only: hidden from the population
        List<ChainEntry> hiding = new ArrayList<>(honest);
        StoredExecution hidden = store.rows(0).get(15);
        hiding.set(5, ChainEntry.ofLink(0, hidden.offset(), hidden.row().eventTime(), hidden.row().controlId(),
                hidden.recordedDigest(), hidden.recordedHead()));
        DiscrepancyLog hid = new DiscrepancyLog();
        verifyFrom(store, 1, hiding, period, hid);
        assertThat(hid.discrepancies()).singleElement().extracting(Discrepancy::kind).isEqualTo(Kind.HIDDEN_IN_LINKS);

        // a narrower period: rows 20..29 are outside it but given in full
        Population narrower = new Population(T0.plusSeconds(600), T0.plusSeconds(1200), java.util.Set.of());
        DiscrepancyLog outside = new DiscrepancyLog();
        verifyFrom(store, 1, honest, narrower, outside);
        assertThat(outside.countsByKind()).containsEntry(Kind.OUTSIDE_PERIOD, 10L).hasSize(1);

        // starting at checkpoint #2 for a period that begins before it: rows before #2 may belong to the period
        DiscrepancyLog late = new DiscrepancyLog();
        verifyFrom(store, 2, honest.subList(10, 20), period, late);
        assertThat(late.discrepancies()).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo(Kind.START_NOT_PROVEN);
            assertThat(d.message()).contains("checkpoint #2, where the export starts");
        });

        // a control outside the scope may be a link even inside the period
        Population scoped = new Population(T0.plusSeconds(600), T0.plusSeconds(1800), java.util.Set.of("other"));
        List<ChainEntry> allLinks = honest.stream().map(e -> ChainEntry.ofLink(0, e.offset(), e.eventTime(),
                e.controlId(), e.rowDigest(), e.recordedHead())).toList();
        DiscrepancyLog scopedLog = new DiscrepancyLog();
        verifyFrom(store, 1, allLinks, scoped, scopedLog);
        assertThat(scopedLog.discrepancies()).isEmpty();
    }

    @Test
    void memoryStaysBoundedWhenEveryRowWasRewritten() {
        EvidenceStore store = new EvidenceStore(SigningKey.generate(), 1);
        for (int i = 0; i < 20_000; i++) {
            store.store(0, i, Rows.row(i, "c", T0.plusSeconds(i), "PASS"));
        }
        store.checkpoint(T0.plusSeconds(30_000));
        List<StoredExecution> rows = new ArrayList<>();
        for (StoredExecution s : store.rows(0)) {
            rows.add(new StoredExecution(0, s.offset(), result(s.row(), "FAIL"), s.recordedDigest(),
                    s.recordedHead(), null));
        }
        DiscrepancyLog log = new DiscrepancyLog(100);
        verify(store, rows, null, false, log);
        assertThat(log.discrepancies()).hasSize(100);
        assertThat(log.countsByKind().get(Kind.ROW_CHANGED)).isEqualTo(ChainVerifier.MAX_SUSPECTS);
        assertThat(log.discrepancies()).last().isNotNull();
        assertThat(log.countsByKind()).containsKey(Kind.CHAIN_MISMATCH); // "… more suspect rows were not examined"
    }

    // --- helpers --------------------------------------------------------------------------------------------------

    private static ChainVerifier.PartitionResult verify(EvidenceStore store, List<StoredExecution> rows,
                                                        Population population, boolean live, DiscrepancyLog log) {
        List<CheckpointPosition> closing = store.checkpoints().stream().map(c -> position(c, 0)).toList();
        return new ChainVerifier(population, live, log).verifyPartition(0,
                CheckpointPosition.genesis(EvidenceStore.TOPIC, 0), closing.iterator(),
                rows.stream().map(ChainVerifierTest::entry).iterator());
    }

    private static void verifyFrom(EvidenceStore store, int anchorSequence, List<ChainEntry> entries,
                                   Population population, DiscrepancyLog log) {
        List<SignedCheckpoint> cps = store.checkpoints();
        CheckpointPosition anchor = position(cps.get(anchorSequence - 1), 0);
        Iterator<CheckpointPosition> closing = cps.subList(anchorSequence, 3).stream().map(c -> position(c, 0))
                .iterator();
        new ChainVerifier(population, false, log).verifyPartition(0, anchor, closing, entries.iterator());
    }

    static CheckpointPosition position(SignedCheckpoint c, int partition) {
        ChainHead head = c.checkpoint().head(partition).orElseThrow();
        return new CheckpointPosition(c.checkpoint().sequence(), c.checkpoint().createdAt(), head);
    }

    static ChainEntry entry(StoredExecution s) {
        return ChainEntry.ofRow(s.partition(), s.offset(), s.row(), s.recordedDigest(), s.recordedHead());
    }
}
