package io.controlwatch.evidence.verify;

import io.controlwatch.evidence.SignedCheckpoint;
import io.controlwatch.evidence.StoredExecution;

import java.util.Iterator;

/**
 * Where {@link StoreVerification} reads the evidence: the alerting service implements it over PostgreSQL (keyset
 * queries, streamed), tests over memory. Iterators are read once, in order; close-on-exhaustion is the source's
 * business.
 */
public interface EvidenceSource {

    /**
     * Stored checkpoints with sequence in {@code [from, to]}, in sequence order
     * ({@code select body from evidence_checkpoint where sequence between ? and ? order by sequence}).
     */
    Iterator<SignedCheckpoint> checkpoints(long from, long to);

    /**
     * A partition's stored rows with offset in {@code (after, upTo]}, in offset order, with the digest and head
     * recorded beside each ({@code … where chain_partition = ? and chain_offset > ? and chain_offset <= ?
     * order by chain_offset}).
     */
    Iterator<StoredExecution> rows(int partition, long after, long upTo);
}
