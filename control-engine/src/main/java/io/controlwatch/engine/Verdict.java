package io.controlwatch.engine;

import io.controlwatch.model.ExecutionResult;

/**
 * The result of testing one event against one single-event control.
 *
 * @param reason  why: the violated condition on FAIL, the evaluation error on ERROR, null on PASS
 * @param subject who or what the result is about
 */
public record Verdict(Control control, ExecutionResult result, String reason, String subject) {
}
