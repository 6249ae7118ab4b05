package io.controlwatch.engine.internal.state;

import io.controlwatch.engine.RoutedEvent;
import io.controlwatch.engine.RuleState;

import java.time.Instant;

/** How one kind of stateful control folds events and time into its state and decides executions. */
public interface RuleLogic<S extends RuleState> {

    Class<S> stateType();

    S newState();

    /** An event that is not late (within the control's grace of stream time). */
    void onEvent(Decisions decisions, S state, RoutedEvent event);

    /** Decides whatever is due at or before {@code now}, and sets the state's next deadline. */
    void onTime(Decisions decisions, S state, Instant now);
}
