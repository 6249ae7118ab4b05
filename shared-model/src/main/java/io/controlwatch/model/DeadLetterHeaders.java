package io.controlwatch.model;

/**
 * Kafka headers carried by every dead-lettered record. The names are those SmallRye Reactive Messaging uses
 * for its own dead-letter queue, so one tool reads both.
 */
public final class DeadLetterHeaders {
    /** Human-readable reason the record was rejected. */
    public static final String REASON = "dead-letter-reason";
    /** Stable machine-readable reason code, e.g. {@code invalid-json}. */
    public static final String REASON_CODE = "dead-letter-reason-code";
    public static final String TOPIC = "dead-letter-topic";
    public static final String PARTITION = "dead-letter-partition";
    public static final String OFFSET = "dead-letter-offset";

    private DeadLetterHeaders() {
    }
}
