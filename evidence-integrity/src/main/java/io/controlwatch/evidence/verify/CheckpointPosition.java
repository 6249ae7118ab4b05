package io.controlwatch.evidence.verify;

import io.controlwatch.evidence.ChainHead;

import java.time.Instant;
import java.util.Objects;

/**
 * A partition's head as a verified checkpoint records it. Sequence 0 stands for the genesis of the chain (no
 * checkpoint: the chain is verified from its first row).
 */
public record CheckpointPosition(long sequence, Instant createdAt, ChainHead head) {

    public CheckpointPosition {
        Objects.requireNonNull(head, "head");
    }

    public static CheckpointPosition genesis(String topic, int partition) {
        return new CheckpointPosition(0, null, ChainHead.genesis(topic, partition));
    }

    String name() {
        return sequence == 0 ? "the start of the chain" : "checkpoint #" + sequence;
    }

    String nameWithOffset() {
        return sequence == 0 ? "the start of the chain" : "checkpoint #" + sequence + " (offset " + head.offset() + ")";
    }
}
