package io.controlwatch.engine.rule;

import java.util.List;

/**
 * What a control tests. Exactly one kind per control:
 * {@link EventRule} (one event), {@link ThresholdRule} (a count in a window), {@link AbsenceRule} (an expected
 * event that does not come) and {@link CorrelationRule} (two event streams joined by key).
 */
public sealed interface Rule permits EventRule, ThresholdRule, AbsenceRule, CorrelationRule {

    /** Event types the rule consumes; {@code *} means every type. */
    List<String> eventTypes();

    /** The rule kind as written in a pack. */
    String kind();

    /** Whether results depend on more than the one event at hand (and so need state). */
    default boolean stateful() {
        return !(this instanceof EventRule);
    }
}
