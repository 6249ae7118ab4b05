package io.controlwatch.engine;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.controlwatch.engine.internal.state.AbsenceLogic;
import io.controlwatch.engine.internal.state.CorrelationLogic;
import io.controlwatch.engine.internal.state.ThresholdLogic;
import io.controlwatch.model.ModelJson;

/**
 * State of one (control, key) of a stateful control. Stores keep it as they like: {@link InMemoryRuleStore} as
 * objects, the evaluation service's Kafka Streams store as JSON ({@link #toJson}/{@link #fromJson}).
 * {@code controlVersion} ties it to the definition that wrote it: when a new pack changes the control, its old
 * state is discarded rather than misread.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
        @JsonSubTypes.Type(value = ThresholdLogic.State.class, name = "threshold"),
        @JsonSubTypes.Type(value = AbsenceLogic.State.class, name = "absence"),
        @JsonSubTypes.Type(value = CorrelationLogic.State.class, name = "correlation")})
public abstract class RuleState {
    public String controlVersion;
    /** When this state next needs attention (epoch millis), or null. */
    public Long nextDeadline;

    /** True when nothing is left to remember: the state is deleted. */
    public abstract boolean empty();

    public static String toJson(RuleState state) {
        try {
            return ModelJson.mapper().writeValueAsString(state);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize rule state", e);
        }
    }

    /** Null when the JSON is unreadable (e.g. written by an older format): the control then starts afresh. */
    public static RuleState fromJson(String json) {
        try {
            return ModelJson.mapper().readValue(json, RuleState.class);
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
