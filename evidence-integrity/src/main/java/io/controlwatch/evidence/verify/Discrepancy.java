package io.controlwatch.evidence.verify;

import java.util.Objects;

/**
 * One thing that does not hold, in words an auditor can act on.
 *
 * @param partition   the chain partition it concerns, or null
 * @param offset      the chain offset it concerns, or null
 * @param executionId the execution it concerns, or null
 */
public record Discrepancy(Kind kind, Integer partition, Long offset, String executionId, String message) {

    /** What kind of discrepancy; {@link #code()} is stable for machines (the verify API, scripts). */
    public enum Kind {
        BUNDLE_UNREADABLE("bundle-unreadable", "bundle unreadable"),
        FILE_MISSING("file-missing", "file missing"),
        FILE_EDITED("file-edited", "file edited"),
        FILE_UNLISTED("file-unlisted", "file not in manifest"),
        COUNT_MISMATCH("count-mismatch", "count differs"),
        MANIFEST_INVALID("manifest-invalid", "manifest invalid"),
        MANIFEST_SIGNATURE("manifest-signature", "manifest signature invalid"),
        UNTRUSTED_KEY("untrusted-key", "untrusted key"),
        CHECKPOINT_INVALID("checkpoint-invalid", "checkpoint invalid"),
        CHECKPOINT_SIGNATURE("checkpoint-signature", "checkpoint signature invalid"),
        CHECKPOINT_MISSING("checkpoint-missing", "checkpoint removed"),
        CHECKPOINT_REWRITTEN("checkpoint-rewritten", "checkpoint differs from its published copy"),
        ROW_MALFORMED("row-malformed", "row malformed"),
        ROW_CHANGED("row-changed", "row changed"),
        ROWS_SWAPPED("rows-swapped", "rows swapped"),
        ROW_DELETED("row-deleted", "row deleted"),
        ROW_INSERTED("row-inserted", "row inserted"),
        CHAIN_ORDER("chain-order", "rows out of chain order"),
        CHAIN_MISMATCH("chain-mismatch", "chain does not match checkpoint"),
        RECORDED_CHAIN_ALTERED("recorded-chain-altered", "recorded digests altered"),
        OUTSIDE_PERIOD("outside-period", "row outside the period"),
        HIDDEN_IN_LINKS("hidden-in-links", "row of the period hidden as a link"),
        START_NOT_PROVEN("start-not-proven", "population start not proven"),
        NOT_CHECKPOINTED("not-checkpointed", "rows not covered by a checkpoint");

        private final String code;
        private final String label;

        Kind(String code, String label) {
            this.code = code;
            this.label = label;
        }

        public String code() {
            return code;
        }

        public String label() {
            return label;
        }
    }

    public Discrepancy {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(message, "message");
    }

    public static Discrepancy of(Kind kind, String message) {
        return new Discrepancy(kind, null, null, null, message);
    }

    @Override
    public String toString() {
        return "[" + kind.label() + "] " + message;
    }
}
