package io.controlwatch.engine.internal;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.CelType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.controlwatch.engine.Control;

/**
 * The CEL environment of a control. Two variables are in scope: {@code event} (the CloudEvents context
 * attributes: id, source, type, subject, time) and {@code data} (the event's JSON payload, dynamically typed).
 */
public final class CelSupport {

    private static final CelOptions OPTIONS = CelOptions.current()
            // lets `data.count > 5` work whether the JSON number arrived as 5 or 5.0
            .enableHeterogeneousNumericComparisons(true)
            .build();

    private static final CelCompiler VIOLATION_COMPILER = compiler(SimpleType.BOOL);
    private static final CelCompiler SUBJECT_COMPILER = compiler(SimpleType.STRING);
    private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().setOptions(OPTIONS).build();

    private CelSupport() {
    }

    private static CelCompiler compiler(CelType resultType) {
        return CelCompilerFactory.standardCelCompilerBuilder()
                .setOptions(OPTIONS)
                .addVar("event", MapType.create(SimpleType.STRING, SimpleType.DYN))
                .addVar("data", SimpleType.DYN)
                .setResultType(resultType)
                .build();
    }

    /** @return null when the violation condition compiles to a bool, else the compiler's message */
    public static String checkViolation(String expression) {
        return check(VIOLATION_COMPILER, expression);
    }

    /** @return null when the subject expression compiles to a string, else the compiler's message */
    public static String checkSubject(String expression) {
        return check(SUBJECT_COMPILER, expression);
    }

    private static String check(CelCompiler compiler, String expression) {
        CelValidationResult result = compiler.compile(expression);
        return result.hasError() ? result.getErrorString() : null;
    }

    /** Compiles a control that {@link io.controlwatch.engine.ControlPackLoader} has already validated. */
    public static CompiledControl compile(Control control) {
        try {
            CelRuntime.Program violation = RUNTIME.createProgram(ast(VIOLATION_COMPILER, control.violation()));
            CelRuntime.Program subject = control.subject() == null ? null
                    : RUNTIME.createProgram(ast(SUBJECT_COMPILER, control.subject()));
            return new CompiledControl(control, violation, subject);
        } catch (CelValidationException | CelEvaluationException e) {
            throw new IllegalArgumentException("control " + control.id() + " does not compile: " + e.getMessage(), e);
        }
    }

    private static CelAbstractSyntaxTree ast(CelCompiler compiler, String expression) throws CelValidationException {
        return compiler.compile(expression).getAst();
    }
}
