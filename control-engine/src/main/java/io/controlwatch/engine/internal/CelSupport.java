package io.controlwatch.engine.internal;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.TimestampProto;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.navigation.CelNavigableExpr;
import dev.cel.common.types.CelType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.types.StructTypeReference;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CEL environment of a control. Two variables are in scope: {@code event}, the CloudEvents context attributes
 * as a typed message ({@value #EVENT_TYPE_NAME}: {@code time} is a timestamp, the others strings), and
 * {@code data}, the event's JSON payload, dynamically typed. Because {@code event} is typed, a misuse such as
 * {@code event.time.startsWith("2026")} fails when the pack loads, not on the first event.
 */
public final class CelSupport {

    public static final String EVENT_TYPE_NAME = "controlwatch.v1.Event";

    /**
     * {@code event}'s fields: the CloudEvents attributes of {@code io.controlwatch.model.CloudEvent} and the
     * extension attributes ingest sets. proto2, so {@code has(event.subject)} tells an absent attribute from "".
     */
    static final Descriptor EVENT_DESCRIPTOR = eventDescriptor();

    private static final CelOptions OPTIONS = CelOptions.current()
            // lets `data.count > 5` work whether the JSON number arrived as 5 or 5.0
            .enableHeterogeneousNumericComparisons(true)
            .build();

    private static final CelCompiler CONDITION_COMPILER = compiler(SimpleType.BOOL);
    private static final CelCompiler STRING_COMPILER = compiler(SimpleType.STRING);
    /** For the operands named in a run-time error: any result type. */
    private static final CelCompiler OPERAND_COMPILER = compiler(null);
    private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder()
            .setOptions(OPTIONS)
            .addMessageTypes(EVENT_DESCRIPTOR)
            .build();

    private CelSupport() {
    }

    /** A compiled expression, ready to evaluate against an event's activation. Thread-safe. */
    public static final class Expression {
        private final String text;
        private final CelRuntime.Program program;
        /** The {@code data.…} and {@code event.…} paths the expression reads, evaluated only to explain an error. */
        private final List<Operand> operands;

        Expression(String text, CelRuntime.Program program, List<Operand> operands) {
            this.text = text;
            this.program = program;
            this.operands = operands;
        }

        public String text() {
            return text;
        }

        public boolean test(Map<String, Object> activation) throws EvaluationException {
            Object value = eval(activation);
            if (value instanceof Boolean b) {
                return b;
            }
            throw new EvaluationException(this, "gave " + typeName(value) + ", not a bool", activation, null);
        }

        /** The value as CEL gives it (a message placeholder may be of any type); the caller renders failures. */
        public Object value(Map<String, Object> activation) throws CelEvaluationException {
            return program.eval(activation);
        }

        public String string(Map<String, Object> activation) throws EvaluationException {
            Object value = eval(activation);
            if (value instanceof String s) {
                return s;
            }
            throw new EvaluationException(this, "gave " + typeName(value) + ", not a string", activation, null);
        }

        private Object eval(Map<String, Object> activation) throws EvaluationException {
            try {
                return program.eval(activation);
            } catch (CelEvaluationException | RuntimeException e) {
                throw new EvaluationException(this, problem(e), activation, e);
            }
        }

        /** cel-java says "evaluation error at <input>:11: …": the reason already says both, the offset is what helps. */
        private static String problem(Exception e) {
            Matcher m = CEL_ERROR.matcher(String.valueOf(e.getMessage()));
            return m.matches() ? "failed at character " + m.group(1) + ": " + m.group(2) : "failed: " + e.getMessage();
        }

        /** "data.number is int, data.user is missing": the types of what the expression read from this event. */
        String describeOperands(Map<String, Object> activation) {
            List<String> parts = new ArrayList<>();
            for (Operand operand : operands) {
                String type;
                try {
                    type = typeName(operand.program().eval(activation));
                } catch (CelEvaluationException | RuntimeException e) {
                    type = "missing";
                }
                parts.add(operand.text() + " is " + type);
            }
            return String.join(", ", parts);
        }
    }

    /**
     * An expression failed on one event. The message names the expression, the problem and the types of the values
     * it read, so the reason of an ERROR execution can be acted on without the event at hand.
     */
    public static final class EvaluationException extends Exception {
        private final transient Expression expression;

        EvaluationException(Expression expression, String problem, Map<String, Object> activation, Throwable cause) {
            super(message(expression, problem, activation), cause);
            this.expression = expression;
        }

        private static String message(Expression expression, String problem, Map<String, Object> activation) {
            String operands = expression.describeOperands(activation);
            return "'" + expression.text() + "' " + problem
                    + (operands.isEmpty() ? "" : " (" + operands + ")");
        }

        public String expression() {
            return expression.text();
        }
    }

    private static final Pattern CEL_ERROR = Pattern.compile("(?s)evaluation error at <input>:(\\d+): (.*)");

    private record Operand(String text, CelRuntime.Program program) {
    }

    private static CelCompiler compiler(CelType resultType) {
        var builder = CelCompilerFactory.standardCelCompilerBuilder()
                .setOptions(OPTIONS)
                .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                .addMessageTypes(EVENT_DESCRIPTOR)
                .addVar("event", StructTypeReference.create(EVENT_TYPE_NAME))
                .addVar("data", SimpleType.DYN);
        if (resultType != null) {
            builder.setResultType(resultType);
        }
        return builder.build();
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
                    .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                    .addMessageTypes(EVENT_DESCRIPTOR);
            vars.forEach(builder::addVar);
            return builder.build();
        });
        CelValidationResult result = compiler.compile(expression);
        if (result.hasError()) {
            throw new IllegalArgumentException(result.getErrorString());
        }
        try {
            return new Expression(expression, RUNTIME.createProgram(result.getAst()), List.of());
        } catch (CelValidationException | CelEvaluationException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** The variables conditions, keys and event messages see: the typed {@code event} and {@code data}. */
    public static Map<String, CelType> eventVariables() {
        return Map.of("event", StructTypeReference.create(EVENT_TYPE_NAME), "data", SimpleType.DYN);
    }

    /**
     * @param field where the expression is (e.g. {@code event.violation}), named in the message
     * @return null when the expression compiles to a bool, else the compiler's message: position, problem, and the
     * expression with a caret under the problem
     */
    public static String checkCondition(String expression, String field) {
        CelValidationResult result = CONDITION_COMPILER.compile(expression, field);
        return result.hasError() ? result.getErrorString() : null;
    }

    /** As {@link #checkCondition}, for an expression that must give a string. */
    public static String checkString(String expression, String field) {
        CelValidationResult result = STRING_COMPILER.compile(expression, field);
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
            CelAbstractSyntaxTree ast = compiler.compile(expression).getAst();
            List<Operand> operands = new ArrayList<>();
            for (String path : operandPaths(ast)) {
                operands.add(new Operand(path, RUNTIME.createProgram(OPERAND_COMPILER.compile(path).getAst())));
            }
            return new Expression(expression, RUNTIME.createProgram(ast), List.copyOf(operands));
        } catch (CelValidationException | CelEvaluationException e) {
            throw new IllegalArgumentException("'" + expression + "' does not compile: " + e.getMessage(), e);
        }
    }

    /** The longest {@code data.a.b} / {@code event.x} paths in an expression (not those under {@code has()}). */
    private static Set<String> operandPaths(CelAbstractSyntaxTree ast) {
        Set<String> paths = new LinkedHashSet<>();
        CelNavigableExpr.fromExpr(ast.getExpr()).allNodes().forEach(node -> {
            boolean extendedByParent = node.parent()
                    .map(p -> p.expr().getKind() == CelExpr.ExprKind.Kind.SELECT).orElse(false);
            if (extendedByParent) {
                return;
            }
            String path = path(node.expr());
            if (path != null) {
                paths.add(path);
            }
        });
        return paths;
    }

    private static String path(CelExpr expr) {
        if (expr.getKind() == CelExpr.ExprKind.Kind.IDENT) {
            String name = expr.ident().name();
            return name.equals("data") || name.equals("event") ? name : null;
        }
        if (expr.getKind() == CelExpr.ExprKind.Kind.SELECT && !expr.select().testOnly()) {
            String operand = path(expr.select().operand());
            return operand == null ? null : operand + "." + expr.select().field();
        }
        return null;
    }

    /** A value's CEL type name, as the docs and compiler messages spell it. */
    static String typeName(Object value) {
        if (value == null || value instanceof dev.cel.common.values.NullValue) return "null";
        if (value instanceof Boolean) return "bool";
        if (value instanceof Long || value instanceof Integer) return "int";
        if (value instanceof com.google.common.primitives.UnsignedLong) return "uint";
        if (value instanceof Double || value instanceof Float) return "double";
        if (value instanceof String) return "string";
        // cel-java gives bytes as its own CelByteString (protobuf's ByteString in older modes)
        if (value instanceof dev.cel.common.values.CelByteString || value instanceof com.google.protobuf.ByteString) return "bytes";
        if (value instanceof Map) return "map";
        if (value instanceof List) return "list";
        // cel-java gives timestamps and durations as java.time values, or as protobuf messages in older modes
        if (value instanceof java.time.Instant || value instanceof com.google.protobuf.Timestamp) return "timestamp";
        if (value instanceof java.time.Duration || value instanceof com.google.protobuf.Duration) return "duration";
        if (value instanceof com.google.protobuf.Message m) return m.getDescriptorForType().getFullName();
        if (value instanceof CelType) return "type"; // the value of type(x)
        return value.getClass().getSimpleName();
    }

    private static Descriptor eventDescriptor() {
        DescriptorProto.Builder event = DescriptorProto.newBuilder().setName("Event");
        String[] strings = {"specversion", "id", "source", "type", "subject"};
        int number = 1;
        for (String name : strings) {
            event.addField(field(name, number++, FieldDescriptorProto.Type.TYPE_STRING, null));
        }
        event.addField(field("time", number++, FieldDescriptorProto.Type.TYPE_MESSAGE, ".google.protobuf.Timestamp"));
        event.addField(field("datacontenttype", number++, FieldDescriptorProto.Type.TYPE_STRING, null));
        event.addField(field("dataschema", number++, FieldDescriptorProto.Type.TYPE_STRING, null));
        event.addField(field("cwsubmitter", number++, FieldDescriptorProto.Type.TYPE_STRING, null));
        event.addField(field("cwbackfill", number++, FieldDescriptorProto.Type.TYPE_BOOL, null));
        event.addField(field("cwraw", number, FieldDescriptorProto.Type.TYPE_STRING, null));
        FileDescriptorProto file = FileDescriptorProto.newBuilder()
                .setName("controlwatch/v1/event.proto")
                .setPackage("controlwatch.v1")
                .addDependency("google/protobuf/timestamp.proto")
                .addMessageType(event)
                .build();
        try {
            return FileDescriptor.buildFrom(file, new FileDescriptor[]{TimestampProto.getDescriptor()})
                    .findMessageTypeByName("Event");
        } catch (DescriptorValidationException e) {
            throw new IllegalStateException("the event type does not build", e);
        }
    }

    private static FieldDescriptorProto field(String name, int number, FieldDescriptorProto.Type type, String typeName) {
        FieldDescriptorProto.Builder field = FieldDescriptorProto.newBuilder()
                .setName(name).setNumber(number).setType(type).setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL);
        if (typeName != null) {
            field.setTypeName(typeName);
        }
        return field.build();
    }
}
