package io.controlwatch.engine;

import io.controlwatch.engine.internal.state.StateJson;

/** How a {@link RuleStore} keeps a {@link RuleState}: as JSON text. */
public final class RuleStateJson {

    private RuleStateJson() {
    }

    public static String toJson(RuleState state) {
        return StateJson.write(state);
    }

    /** Null when the JSON is unreadable (e.g. written by an older format): the control then starts afresh. */
    public static RuleState fromJson(String json) {
        return StateJson.read(json);
    }
}
