package io.controlwatch.evidence;

import io.controlwatch.evidence.internal.CanonicalBytes;

import java.security.MessageDigest;
import java.time.Instant;
import java.util.regex.Pattern;

/**
 * The hash chain over stored executions, one chain per executions-topic partition, in offset order:
 *
 * <pre>
 * genesis_p = SHA-256("cw-genesis-1" ‖ str(topic) ‖ int32(p))
 * leaf_n    = SHA-256("cw-leaf-1" ‖ int32(p) ‖ int64(offset) ‖ int64(eventTimeMicros) ‖ str(controlId) ‖ rowDigest)
 * head_n    = SHA-256(head_{n-1} ‖ leaf_n),   head_0 = genesis_p
 * </pre>
 *
 * The leaf discloses the event time and the control of a row without the row, so an export can give the rows outside
 * its period or scope as links only and a verifier can still check they really are outside (docs/auditors.md).
 */
public final class EvidenceChain {

    public static final String GENESIS_TAG = "cw-genesis-1";
    public static final String LEAF_TAG = "cw-leaf-1";

    /**
     * Partition of the rows stored before the chain existed (no Kafka position): chained once, in a documented
     * order, with their sequence number as offset.
     */
    public static final int LEGACY_PARTITION = -1;

    private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9._-]{1,249}");

    private EvidenceChain() {
    }

    /** The head of a partition's empty chain. */
    public static Sha256 genesis(String topic, int partition) {
        requireTopic(topic);
        requirePartition(partition);
        CanonicalBytes bytes = new CanonicalBytes(64).tag(GENESIS_TAG).string(topic).int32(partition);
        return Sha256.hash(bytes.toByteArray());
    }

    /** The leaf of the row at {@code offset} of {@code partition}. */
    public static Sha256 leaf(int partition, long offset, Instant eventTime, String controlId, Sha256 rowDigest) {
        requirePartition(partition);
        if (offset < 0) {
            throw new IllegalArgumentException("offsets are not negative");
        }
        CanonicalBytes bytes = new CanonicalBytes(96).tag(LEAF_TAG).int32(partition).int64(offset).micros(eventTime)
                .string(controlId).raw(rowDigest.bytes());
        MessageDigest sha = Sha256.threadDigest();
        sha.update(bytes.buffer(), 0, bytes.size());
        return Sha256.wrap(sha.digest());
    }

    /** {@code SHA-256(head ‖ leaf)}. */
    public static Sha256 next(Sha256 head, Sha256 leaf) {
        MessageDigest sha = Sha256.threadDigest();
        head.writeTo(sha);
        leaf.writeTo(sha);
        return Sha256.wrap(sha.digest());
    }

    static void requireTopic(String topic) {
        if (topic == null || !TOPIC.matcher(topic).matches()) {
            throw new IllegalArgumentException("not a Kafka topic name: " + topic);
        }
    }

    static void requirePartition(int partition) {
        if (partition < LEGACY_PARTITION) {
            throw new IllegalArgumentException("partition " + partition + " is below " + LEGACY_PARTITION);
        }
    }
}
