package io.controlwatch.evidence;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** What someone with write access to the evidence store might do to its rows. Test fixture. */
public final class Tamper {

    private Tamper() {
    }

    public static EvidenceRow result(EvidenceRow r, String result) {
        return new EvidenceRow(r.executionId(), r.controlId(), r.controlVersion(), r.criteria(), r.severity(), result,
                r.reason(), r.message(), r.subject(), r.eventId(), r.eventSource(), r.eventType(), r.eventTime(),
                r.ingestTime(), r.evaluatedAt(), r.pack(), r.packVersion(), r.evidenceEventIds(), r.late(),
                r.backfilled(), r.submitter(), r.exemptionId());
    }

    /** Edits a row's content in place; the chain columns the store recorded stay as they were. */
    public static List<StoredExecution> replace(List<StoredExecution> rows, int index,
                                                UnaryOperator<EvidenceRow> edit) {
        StoredExecution s = rows.get(index);
        rows.set(index, new StoredExecution(s.partition(), s.offset(), edit.apply(s.row()), s.recordedDigest(),
                s.recordedHead(), s.recordedAt()));
        return rows;
    }

    public static List<StoredExecution> remove(List<StoredExecution> rows, int index) {
        rows.remove(index);
        return rows;
    }

    /** Exchanges the evidence of two rows; each keeps its place and its recorded chain columns. */
    public static List<StoredExecution> swap(List<StoredExecution> rows, int a, int b) {
        StoredExecution x = rows.get(a);
        StoredExecution y = rows.get(b);
        rows.set(a, new StoredExecution(x.partition(), x.offset(), y.row(), x.recordedDigest(), x.recordedHead(),
                null));
        rows.set(b, new StoredExecution(y.partition(), y.offset(), x.row(), y.recordedDigest(), y.recordedHead(),
                null));
        return rows;
    }

    public static List<StoredExecution> reorder(List<StoredExecution> rows, int a, int b) {
        StoredExecution x = rows.get(a);
        rows.set(a, rows.get(b));
        rows.set(b, x);
        return rows;
    }

    /** Inserts a forged row at {@code offset} before index {@code at}, with a made-up or a recomputed head. */
    public static List<StoredExecution> insert(List<StoredExecution> rows, int at, long offset,
                                               boolean recomputeHead) {
        StoredExecution next = rows.get(at);
        EvidenceRow forged = Rows.row(9_999, next.row().controlId(), next.row().eventTime().minusSeconds(1), "PASS");
        Sha256 head = recomputeHead
                ? EvidenceChain.next(rows.get(at - 1).recordedHead(), EvidenceChain.leaf(next.partition(), offset,
                forged.eventTime(), forged.controlId(), forged.digest()))
                : Sha256.hash(new byte[]{7});
        rows.add(at, new StoredExecution(next.partition(), offset, forged, forged.digest(), head, null));
        return rows;
    }

    /** Inserts a forged row without chain columns (a plain INSERT). */
    public static List<StoredExecution> insertBare(List<StoredExecution> rows, int at, long offset) {
        StoredExecution next = rows.get(at);
        EvidenceRow forged = Rows.row(9_999, next.row().controlId(), next.row().eventTime().minusSeconds(1), "PASS");
        rows.add(at, new StoredExecution(next.partition(), offset, forged, null, null, null));
        return rows;
    }

    /** What a careful forger does after editing: recompute every recorded digest and head from genesis. */
    public static List<StoredExecution> rechain(List<StoredExecution> rows) {
        if (rows.isEmpty()) {
            return rows;
        }
        ChainHead head = ChainHead.genesis(EvidenceStore.TOPIC, rows.get(0).partition());
        List<StoredExecution> out = new ArrayList<>();
        for (StoredExecution s : rows) {
            ChainHead.Appended a = head.appendStored(s.offset(), s.row(), null);
            head = a.head();
            out.add(a.stored());
        }
        return out;
    }
}
