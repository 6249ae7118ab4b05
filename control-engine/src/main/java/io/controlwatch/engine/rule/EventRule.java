package io.controlwatch.engine.rule;

import java.util.List;

/**
 * A single-event rule: each event of the given types (matching {@code when}) passes or fails on its own.
 *
 * @param on        event types
 * @param when      optional CEL filter; events for which it is false are not applicable (no execution)
 * @param violation CEL condition, true when the event violates the control
 * @param subject   optional CEL string naming who or what the result is about
 */
public record EventRule(List<String> on, String when, String violation, String subject) implements Rule {

    @Override
    public List<String> eventTypes() {
        return on;
    }

    @Override
    public String kind() {
        return "event";
    }
}
