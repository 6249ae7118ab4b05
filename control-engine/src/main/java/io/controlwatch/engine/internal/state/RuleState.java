package io.controlwatch.engine.internal.state;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * State of one (control, key), stored as JSON. {@code controlVersion} ties it to the definition that wrote it:
 * when a new pack changes the control, its old state is discarded rather than misread.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public abstract class RuleState {
    public String controlVersion;
    /** When this state next needs attention (epoch millis), or null. */
    public Long nextDeadline;

    /** True when nothing is left to remember: the state is deleted. */
    public abstract boolean empty();
}
