package io.controlwatch.evaluation.stream.internal;

import io.controlwatch.engine.RoutedEvent;

/** What evaluating an event emits: either a decided execution (as JSON) or an event routed to a stateful control. */
public record Evaluated(String executionJson, RoutedEvent routed) {
}
