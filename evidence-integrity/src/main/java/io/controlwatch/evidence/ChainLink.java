package io.controlwatch.evidence;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * A chained row disclosed without its content: enough to recompute its leaf, and to see that it lies outside an
 * export's period (event time) or scope (control). One line of {@code evidence-chain.jsonl}.
 *
 * @param rowDigest    the row's digest (as recorded by the store)
 * @param recordedHead the chain head recorded after the row, or null
 */
public record ChainLink(int partition, long offset, Instant eventTime, String controlId, Sha256 rowDigest,
                        Sha256 recordedHead) {

    public ChainLink {
        EvidenceChain.requirePartition(partition);
        if (offset < 0) {
            throw new IllegalArgumentException("offsets are not negative");
        }
        eventTime = Objects.requireNonNull(eventTime, "eventTime").truncatedTo(ChronoUnit.MICROS);
        Objects.requireNonNull(controlId, "controlId");
        Objects.requireNonNull(rowDigest, "rowDigest");
    }
}
