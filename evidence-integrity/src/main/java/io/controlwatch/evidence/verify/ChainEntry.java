package io.controlwatch.evidence.verify;

import io.controlwatch.evidence.EvidenceRow;
import io.controlwatch.evidence.Sha256;

import java.time.Instant;
import java.util.Objects;

/**
 * One position of a partition's chain as a verifier sees it: a full row (its digest recomputed from its content) or
 * a link (only the leaf fields and the digest). The recorded digest and head are the values the store wrote when it
 * chained the row; they are not trusted, only used to name the rows a tampering touched.
 *
 * @param rowDigest      the digest the chain is recomputed with: of the row's content, or the link's
 * @param executionId    the row's execution, null for a link
 * @param recordedDigest digest recorded at storage time, or null
 * @param recordedHead   chain head recorded at storage time, or null
 */
public record ChainEntry(int partition, long offset, Instant eventTime, String controlId, Sha256 rowDigest,
                         String executionId, Sha256 recordedDigest, Sha256 recordedHead, boolean link) {

    public ChainEntry {
        Objects.requireNonNull(eventTime, "eventTime");
        Objects.requireNonNull(controlId, "controlId");
        Objects.requireNonNull(rowDigest, "rowDigest");
    }

    /** A full row: its digest is recomputed here. */
    public static ChainEntry ofRow(int partition, long offset, EvidenceRow row, Sha256 recordedDigest,
                                   Sha256 recordedHead) {
        return new ChainEntry(partition, offset, row.eventTime(), row.controlId(), row.digest(), row.executionId(),
                recordedDigest, recordedHead, false);
    }

    /** A link: a row outside the export's population, disclosed by its leaf fields only. */
    public static ChainEntry ofLink(int partition, long offset, Instant eventTime, String controlId, Sha256 rowDigest,
                                    Sha256 recordedHead) {
        return new ChainEntry(partition, offset, eventTime, controlId, rowDigest, null, null, recordedHead, true);
    }

    /** Words that locate the entry: "partition 0, offset 17 (execution …)". */
    String where() {
        return "partition " + partition + ", offset " + offset
                + (executionId == null ? " (link)" : " (execution " + executionId + ")");
    }
}
