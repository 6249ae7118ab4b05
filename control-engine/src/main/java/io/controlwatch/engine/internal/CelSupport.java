package io.controlwatch.engine.internal;

import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.CelType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The CEL environment of a control. Two variables are in scope: {@code event} (the CloudEvents context
 * attributes: id, source, type, subject, time) and {@code data} (the event's JSON payload, dynamically typed).
 */
public final class CelSupport {

    private static final CelOptions OPTIONS = CelOptions.current()
            // lets `data.count > 5` work whether the JSON number arrived as 5 or 5.0
            .enableHeterogeneousNumericComparisons(true)
            .build();

    private static final CelCompiler CONDITION_COMPILER = compiler(SimpleType.BOOL);
    private static final CelCompiler STRING_COMPILER = compiler(SimpleType.STRING);
    private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().setOptions(OPTIONS).build();

    private CelSupport() {
    }

    /** A compiled expression, ready to evaluate against an event's activation. Thread-safe. */
    public static final class Expression {
        private final String text;
        private final CelRuntime.Program program;

        Expression(String text, CelRuntime.Program program) {
            this.text = text;
            this.program = program;
        }

        public String text() {
            return text;
        }

        public boolean test(Map<String, Object> activation) throws CelEvaluationException {
            Object value = program.eval(activation);
            if (value instanceof Boolean b) {
                return b;
            }
            throw new IllegalStateException("'" + text + "' gave " + (value == null ? "null" : value.getClass().getSimpleName())
                    + ", not a bool");
        }

        /** The value as CEL gives it (a message placeholder may be of any type). */
        public Object value(Map<String, Object> activation) throws CelEvaluationException {
            return program.eval(activation);
        }

        public String string(Map<String, Object> activation) throws CelEvaluationException {
            Object value = program.eval(activation);
            if (value instanceof String s) {
                return s;
            }
            throw new IllegalStateException("'" + text + "' gave " + (value == null ? "null" : value.getClass().getSimpleName())
                    + ", not a string");
        }
    }

    private static CelCompiler compiler(CelType resultType) {
        return CelCompilerFactory.standardCelCompilerBuilder()
                .setOptions(OPTIONS)
                .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                .addVar("event", MapType.create(SimpleType.STRING, SimpleType.DYN))
                .addVar("data", SimpleType.DYN)
                .setResultType(resultType)
                .build();
    }

    /** Message placeholders: compilers by variable set, few (one per rule kind and correlation mode). */
    private static final Map<Map<String, CelType>, CelCompiler> ANY_TYPE_COMPILERS = new ConcurrentHashMap<>();

    /**
     * Compiles an expression of any result type over the given variables (a message placeholder).
     *
     * @throws IllegalArgumentException with the compiler's message when it does not compile
     */
    public static Expression anyType(String expression, Map<String, CelType> variables) {
        CelCompiler compiler = ANY_TYPE_COMPILERS.computeIfAbsent(Map.copyOf(variables), vars -> {
            var builder = CelCompilerFactory.standardCelCompilerBuilder()
                    .setOptions(OPTIONS)
                    .setStandardMacros(CelStandardMacro.STANDARD_MACROS);
            vars.forEach(builder::addVar);
            return builder.build();
        });
        CelValidationResult result = compiler.compile(expression);
        if (result.hasError()) {
            throw new IllegalArgumentException(result.getErrorString());
        }
        try {
            return new Expression(expression, RUNTIME.createProgram(result.getAst()));
        } catch (CelValidationException | CelEvaluationException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** The variables conditions, keys and event messages see: {@code event} and {@code data}. */
    public static Map<String, CelType> eventVariables() {
        return Map.of("event", MapType.create(SimpleType.STRING, SimpleType.DYN), "data", SimpleType.DYN);
    }

    /** @return null when the expression compiles to a bool, else the compiler's message */
    public static String checkCondition(String expression) {
        CelValidationResult result = CONDITION_COMPILER.compile(expression);
        return result.hasError() ? result.getErrorString() : null;
    }

    /** @return null when the expression compiles to a string, else the compiler's message */
    public static String checkString(String expression) {
        CelValidationResult result = STRING_COMPILER.compile(expression);
        return result.hasError() ? result.getErrorString() : null;
    }

    /** Compiles a condition the pack loader already validated; null stays null. */
    public static Expression condition(String expression) {
        return compile(CONDITION_COMPILER, expression);
    }

    /** Compiles a string expression the pack loader already validated; null stays null. */
    public static Expression string(String expression) {
        return compile(STRING_COMPILER, expression);
    }

    private static Expression compile(CelCompiler compiler, String expression) {
        if (expression == null) {
            return null;
        }
        try {
            return new Expression(expression, RUNTIME.createProgram(compiler.compile(expression).getAst()));
        } catch (CelValidationException | CelEvaluationException e) {
            throw new IllegalArgumentException("'" + expression + "' does not compile: " + e.getMessage(), e);
        }
    }
}
