package io.controlwatch.engine.internal;

import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import io.controlwatch.engine.Control;
import io.controlwatch.engine.Verdict;
import io.controlwatch.model.CloudEvent;
import io.controlwatch.model.ExecutionResult;

import java.util.Map;

/** A control with its CEL programs ready to run. */
public final class CompiledControl {

    private final Control control;
    private final CelRuntime.Program violation;
    private final CelRuntime.Program subject;

    CompiledControl(Control control, CelRuntime.Program violation, CelRuntime.Program subject) {
        this.control = control;
        this.violation = violation;
        this.subject = subject;
    }

    public Control control() {
        return control;
    }

    public Verdict evaluate(CloudEvent event, Map<String, Object> activation) {
        String who = defaultSubject(event);
        try {
            if (subject != null) {
                Object value = subject.eval(activation);
                if (value instanceof String s && !s.isBlank()) {
                    who = s;
                }
            }
            Object violated = violation.eval(activation);
            if (!(violated instanceof Boolean b)) {
                return new Verdict(control, ExecutionResult.ERROR,
                        "violation condition returned " + typeName(violated) + ", not a bool", who);
            }
            return b
                    ? new Verdict(control, ExecutionResult.FAIL, "violated: " + control.violation(), who)
                    : new Verdict(control, ExecutionResult.PASS, null, who);
        } catch (CelEvaluationException | RuntimeException e) {
            // A missing field or a type mismatch in one event must never stop evaluation of the others.
            return new Verdict(control, ExecutionResult.ERROR, "evaluation error: " + e.getMessage(), who);
        }
    }

    private static String defaultSubject(CloudEvent event) {
        return event.subject() != null && !event.subject().isBlank() ? event.subject() : event.source();
    }

    private static String typeName(Object value) {
        return value == null ? "null" : value.getClass().getSimpleName();
    }
}
