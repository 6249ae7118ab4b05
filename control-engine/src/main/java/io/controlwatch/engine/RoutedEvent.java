package io.controlwatch.engine;

/**
 * An event on its way to the state of one stateful control and key. In Kafka Streams it travels through a
 * repartition topic keyed by {@link #stateKey()}, so that all events of one (control, key) meet on one instance.
 *
 * @param role     which part the event plays: {@code count} (threshold), {@code expected} (absence),
 *                 {@code first} or {@code then} (correlation)
 * @param key      the value of the control's key expression (a user, a system, a commit …)
 * @param distinct for distinct-count thresholds, the value being counted; otherwise null
 */
public record RoutedEvent(String controlId, String controlVersion, String role, String key, String distinct,
                          EventRef event) {

    public static final String COUNT = "count";
    public static final String EXPECTED = "expected";
    public static final String FIRST = "first";
    public static final String THEN = "then";

    /** The state this event belongs to: one per (control, key). */
    public String stateKey() {
        return StateKeys.of(controlId, key);
    }
}
