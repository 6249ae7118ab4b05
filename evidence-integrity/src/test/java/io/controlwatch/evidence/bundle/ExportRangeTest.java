package io.controlwatch.evidence.bundle;

import io.controlwatch.evidence.Checkpoint;
import io.controlwatch.evidence.EvidenceStore;
import io.controlwatch.evidence.Rows;
import io.controlwatch.evidence.SignedCheckpoint;
import io.controlwatch.evidence.SigningKey;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ExportRangeTest {

    private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");

    /** Partition 0: one row a minute at offsets 0..99; a checkpoint after every 10th row, made 30 s later. */
    private static List<SignedCheckpoint> checkpoints(boolean lateRow) {
        EvidenceStore store = new EvidenceStore(SigningKey.generate(), 2);
        for (int i = 0; i < 100; i++) {
            Instant t = T0.plusSeconds(60L * i);
            if (lateRow && i == 45) {
                t = T0.plusSeconds(60L * 25); // an event that arrives late, with an event time in minute 25
            }
            store.store(0, i, Rows.row(i, "c", t, "PASS"));
            if ((i + 1) % 10 == 0) {
                store.checkpoint(T0.plusSeconds(60L * i + 30));
            }
        }
        return store.checkpoints();
    }

    private static ExportRange choose(List<SignedCheckpoint> checkpoints, Instant from, Instant to,
                                      Map<Integer, Long> last) {
        ExportRange range = new ExportRange(from, to, last);
        for (SignedCheckpoint c : checkpoints) {
            if (!range.offer(c.checkpoint())) {
                break;
            }
        }
        return range;
    }

    @Test
    void anchorBeforeThePeriodClosingAfterIt() {
        // period minutes 25..54 (rows 25..54): anchor #2 (rows 0..19, latest minute 19), closing: covers row 54 and
        // was made after minute 55 → #6 (row 59, made at 59:30)
        ExportRange r = choose(checkpoints(false), T0.plusSeconds(60 * 25), T0.plusSeconds(60 * 55), Map.of(0, 54L));
        assertThat(r.anchor().sequence()).isEqualTo(2);
        assertThat(r.closing().sequence()).isEqualTo(6);
    }

    @Test
    void aLateRowMovesNothingBackButTheAnchorStaysProvable() {
        // row 45 carries minute 25: checkpoints from #5 on have latest minute ≥ 45 anyway, the anchor is still #2
        ExportRange r = choose(checkpoints(true), T0.plusSeconds(60 * 25), T0.plusSeconds(60 * 30), Map.of(0, 45L));
        assertThat(r.anchor().sequence()).isEqualTo(2);
        assertThat(r.closing().sequence()).as("covers offset 45 and made after minute 30").isEqualTo(5);
    }

    @Test
    void aPeriodStartingBeforeTheFirstCheckpointStartsAtGenesis() {
        ExportRange r = choose(checkpoints(false), T0.plusSeconds(60 * 5), T0.plusSeconds(60 * 30), Map.of(0, 29L));
        assertThat(r.anchor()).isNull();
        // #3 covers row 29 but was made at 29:30, before the period's end: #4 (39:30) closes it
        assertThat(r.closing().sequence()).isEqualTo(4);
    }

    @Test
    void beforeACheckpointIsMadeAfterThePeriodTheFirstCoveringOneIsTaken() {
        // the period ends after the last checkpoint: the closing one covers its rows but was made before its end
        ExportRange r = choose(checkpoints(false), T0.plusSeconds(60 * 80), T0.plusSeconds(60 * 200), Map.of(0, 99L));
        assertThat(r.closing().sequence()).isEqualTo(10);
        assertThat(r.closing().createdAt()).isBefore(T0.plusSeconds(60 * 200));
    }

    @Test
    void rowsNotCheckpointedYetMeanNoClosingCheckpoint() {
        ExportRange r = choose(checkpoints(false), T0.plusSeconds(60 * 80), T0.plusSeconds(60 * 200),
                Map.of(0, 120L));
        assertThat(r.closing()).isNull();
        Checkpoint anchor = r.anchor();
        assertThat(anchor.sequence()).isEqualTo(8);
    }
}
