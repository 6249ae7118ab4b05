package io.controlwatch.evidence;

import java.time.Instant;
import java.util.Objects;

/**
 * An execution as the evidence store holds it: the row, its place in the chain (executions-topic partition and
 * offset), and the digest and chain head recorded when it was chained. The recorded values are what the alerting
 * service wrote at insert time; a verifier recomputes both and uses the recorded ones only to name the rows a
 * tampering touched.
 *
 * @param recordedDigest the row digest stored with the row, or null if the store keeps none
 * @param recordedHead   the chain head after this row, stored with it, or null if the store keeps none
 * @param recordedAt     when the store recorded the row (informational: set by the database, not chained), or null
 */
public record StoredExecution(int partition, long offset, EvidenceRow row, Sha256 recordedDigest,
                              Sha256 recordedHead, Instant recordedAt) {

    public StoredExecution {
        EvidenceChain.requirePartition(partition);
        if (offset < 0) {
            throw new IllegalArgumentException("offsets are not negative");
        }
        Objects.requireNonNull(row, "row");
    }

    /** The row as a link: what an export discloses of a row outside its period or scope. */
    public ChainLink link() {
        return new ChainLink(partition, offset, row.eventTime(), row.controlId(),
                recordedDigest != null ? recordedDigest : row.digest(), recordedHead);
    }
}
