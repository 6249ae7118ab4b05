package io.controlwatch.engine;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * State of one (control, key) of a stateful control. Stores keep it as JSON ({@link RuleStateJson}); which kinds
 * exist is the engine's internal business, registered with that codec rather than listed here.
 * {@code controlVersion} ties it to the definition that wrote it: when a new pack changes the control, its old
 * state is discarded rather than misread.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
public abstract class RuleState {
    public String controlVersion;
    /** When this state next needs attention (epoch millis), or null. */
    public Long nextDeadline;
    /**
     * Where the deadline index holds this state (epoch millis), when known: at most {@code nextDeadline}. A deadline
     * that moves later (an absence's, on every arrival) keeps its entry, which is moved once it comes up; null: the
     * entry, if any, is at {@code nextDeadline} (states written before this field, or whose entry was just taken).
     */
    public Long indexedAt;
    /**
     * The effective time up to which a deadline of this state was last decided (epoch millis), or null: an event
     * older than that (less the grace) would revise a decision, so it is late whatever its source's clock says.
     */
    public Long decidedUpTo;
    /** True when the last event to change this state was part of a backfill: its deadlines then belong to it. */
    public Boolean backfill;

    /** True when nothing is left to remember: the state is deleted. */
    public abstract boolean empty();
}
