package io.controlwatch.engine.internal.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import io.controlwatch.engine.RuleState;
import io.controlwatch.model.ModelJson;

/** The JSON codec of rule states: the kinds of state are registered here, next to the logic that owns them. */
public final class StateJson {

    private static final ObjectMapper MAPPER = ModelJson.mapper().copy();

    static {
        MAPPER.registerSubtypes(new NamedType(ThresholdLogic.State.class, "threshold"),
                new NamedType(AbsenceLogic.State.class, "absence"),
                new NamedType(CorrelationLogic.State.class, "correlation"));
    }

    private StateJson() {
    }

    public static String write(RuleState state) {
        try {
            return MAPPER.writeValueAsString(state);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize rule state", e);
        }
    }

    public static RuleState read(String json) {
        try {
            return MAPPER.readValue(json, RuleState.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return null;
        }
    }
}
