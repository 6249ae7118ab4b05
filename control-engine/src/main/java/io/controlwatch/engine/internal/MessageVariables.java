package io.controlwatch.engine.internal;

import dev.cel.common.types.CelType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import io.controlwatch.engine.EventRef;
import io.controlwatch.engine.rule.AbsenceRule;
import io.controlwatch.engine.rule.CorrelationRule;
import io.controlwatch.engine.rule.EventRule;
import io.controlwatch.engine.rule.Rule;
import io.controlwatch.engine.rule.ThresholdRule;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a control's message template may name, by rule kind. An event rule's message sees what its condition sees
 * ({@code event}, {@code data}). A stateful rule decides long after its events were evaluated and keeps no payloads
 * (see {@link EventRef}), so its message sees the facts its state holds: the key and the numbers, times and events
 * its reason is made of. Durations are spelled as in a pack ({@code 5m}, {@code 26h}), times as ISO-8601 instants.
 */
public final class MessageVariables {

    private static final CelType EVENT_ATTRIBUTES = MapType.create(SimpleType.STRING, SimpleType.DYN);

    private MessageVariables() {
    }

    /** Declarations for a rule's message, in the order the docs list them. */
    public static Map<String, CelType> of(Rule rule) {
        Map<String, CelType> vars = new LinkedHashMap<>();
        if (rule instanceof EventRule) {
            vars.put("event", EVENT_ATTRIBUTES);
            vars.put("data", SimpleType.DYN);
            return vars;
        }
        vars.put("key", SimpleType.STRING);
        if (rule instanceof ThresholdRule) {
            vars.put("count", SimpleType.INT);
            vars.put("atLeast", SimpleType.INT);
            vars.put("window", SimpleType.STRING);
            vars.put("windowStart", SimpleType.STRING);
            vars.put("windowEnd", SimpleType.STRING);
        } else if (rule instanceof AbsenceRule) {
            vars.put("expected", SimpleType.STRING);
            vars.put("within", SimpleType.STRING);
            vars.put("deadline", SimpleType.STRING);
            vars.put("lastSeen", SimpleType.STRING);
        } else if (rule instanceof CorrelationRule r) {
            switch (r.mode()) {
                case FOLLOWED_WITHIN -> {
                    vars.put("first", EVENT_ATTRIBUTES);
                    vars.put("within", SimpleType.STRING);
                    vars.put("deadline", SimpleType.STRING);
                }
                case PRECEDED_WITHIN -> {
                    vars.put("then", EVENT_ATTRIBUTES);
                    vars.put("within", SimpleType.STRING);
                }
                case NOT_FOLLOWED_AFTER -> {
                    vars.put("first", EVENT_ATTRIBUTES);
                    vars.put("then", EVENT_ATTRIBUTES);
                    vars.put("after", SimpleType.STRING);
                    vars.put("gap", SimpleType.STRING);
                }
            }
        }
        return vars;
    }

    /** An event a correlation remembers, as its message sees it: {@code id}, {@code type}, {@code source}, {@code time}. */
    public static Map<String, Object> attributes(EventRef event) {
        return Map.of("id", event.id(), "type", event.type(), "source", event.source(), "time", event.time().toString());
    }
}
