package io.controlwatch.engine;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.controlwatch.engine.internal.CelSupport;
import io.controlwatch.engine.internal.ContentHash;
import io.controlwatch.engine.internal.Durations;
import io.controlwatch.engine.internal.MessageVariables;
import io.controlwatch.engine.rule.AbsenceRule;
import io.controlwatch.engine.rule.CorrelationRule;
import io.controlwatch.engine.rule.EventRule;
import io.controlwatch.engine.rule.Rule;
import io.controlwatch.engine.rule.ThresholdRule;
import io.controlwatch.model.Severity;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Reads a control pack from YAML and validates it completely before anything uses it: structure, unknown
 * fields (typos), ids, criteria, severities, and that every CEL expression compiles to the right type. The first
 * problem found is reported as a {@link ControlPackException} naming file, control, line and reason.
 * <p>
 * Pack format v1 is documented in {@code docs/controls.md}.
 */
public final class ControlPackLoader {

    /** The only pack format this engine reads. */
    public static final int FORMAT_VERSION = 1;

    private static final Pattern CONTROL_ID = Pattern.compile("[a-z0-9][a-z0-9.\\-]{2,79}");
    /** Trust Services Criteria 2017: CC1-CC9, A1, PI1, C1, P1-P8, each with a point number. */
    private static final Pattern CRITERION = Pattern.compile("(CC[1-9]|A1|PI1|C1|P[1-8])\\.[0-9]{1,2}");
    private static final Pattern EVENT_TYPE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._\\-]*");

    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /** The YAML shape of a pack, before validation. */
    record PackSpec(String pack, Integer formatVersion, String description, List<JsonNode> controls,
                    List<ManualSpec> manual) {
    }

    record ManualSpec(List<String> criteria, String reason) {
    }

    /** The YAML shape of one control, before validation: metadata and exactly one rule block. */
    record ControlSpec(String id, String title, String description, List<String> criteria, String severity,
                       String owner, String frequency, String maturity, String message,
                       JsonNode event, JsonNode threshold, JsonNode absence, JsonNode correlation) {
    }

    record EventSpec(List<String> on, String when, String violation, String subject) {
    }

    record ThresholdSpec(List<String> on, String when, String key, String distinct, String window, String advance,
                         Integer atLeast, String grace) {
    }

    record AbsenceSpec(List<String> expect, String when, String key, String within, List<String> keys, String grace,
                       Boolean passOnArrival, String retireAfter) {
    }

    record MatcherSpec(List<String> on, String when, String key) {
    }

    record CorrelationSpec(MatcherSpec first, MatcherSpec then, String mode, String within, String after, String grace) {
    }

    private static final Set<String> FREQUENCIES = Set.of("continuous", "hourly", "daily", "weekly", "monthly",
            "quarterly", "annually");
    private static final Set<String> MATURITIES = Set.of("stable", "incubating", "sandbox", "deprecated");
    /** Default time a stateful decision waits for out-of-order events. */
    static final Duration DEFAULT_GRACE = Duration.ofMinutes(1);
    /** The longest {@code retireAfter}: ten years, beyond any audit period, and far from overflowing a deadline. */
    static final Duration MAX_RETIRE_AFTER = Duration.ofDays(3650);

    private ControlPackLoader() {
    }

    public static ControlPack load(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new ControlPackException(file.toString(), null, 0, "cannot be read: " + e.getMessage());
        }
    }

    /** Loads a pack from the classpath, e.g. the default pack bundled with the evaluation service. */
    public static ControlPack loadResource(String resource) {
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new ControlPackException("classpath:" + resource, null, 0, "not found");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "classpath:" + resource);
        } catch (IOException e) {
            throw new ControlPackException("classpath:" + resource, null, 0, "cannot be read: " + e.getMessage());
        }
    }

    /**
     * Parses and validates a pack.
     *
     * @param yaml   the pack file's content
     * @param source where it came from, used in messages and kept in {@link ControlPack#source()}
     */
    public static ControlPack parse(String yaml, String source) {
        JsonNode tree;
        try {
            tree = YAML.readTree(yaml);
        } catch (IOException e) {
            throw new ControlPackException(source, null, lineOf(e), "is not valid YAML: " + firstLine(e.getMessage()));
        }
        if (tree == null || !tree.isObject()) {
            throw new ControlPackException(source, null, 0, "must be a YAML mapping with 'pack', 'formatVersion' and 'controls'");
        }
        PackSpec spec;
        Map<String, Integer> lines = lines(yaml);
        try {
            spec = YAML.treeToValue(tree, PackSpec.class);
        } catch (IOException e) {
            throw new ControlPackException(source, null, lines.getOrDefault(pointer("", e), 0), describe(e));
        }
        if (spec.formatVersion() == null || spec.formatVersion() != FORMAT_VERSION) {
            throw new ControlPackException(source, null, 0, "formatVersion must be " + FORMAT_VERSION);
        }
        if (blank(spec.pack())) {
            throw new ControlPackException(source, null, 0, "'pack' (the pack's name) is required");
        }
        if (spec.controls() == null || spec.controls().isEmpty()) {
            throw new ControlPackException(source, null, 0, "'controls' must list at least one control");
        }
        List<Control> controls = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < spec.controls().size(); i++) {
            JsonNode node = spec.controls().get(i);
            String pointer = "/controls/" + i;
            int line = lines.getOrDefault(pointer, 0);
            Control control = toControl(node, source, line, lines, pointer);
            if (!ids.add(control.id())) {
                throw new ControlPackException(source, control.id(), lines.getOrDefault(pointer + "/id", line),
                        "duplicate control id");
            }
            controls.add(control);
        }
        List<ControlPack.ManualCriteria> manual = new ArrayList<>();
        for (ManualSpec m : spec.manual() == null ? List.<ManualSpec>of() : spec.manual()) {
            if (m.criteria() == null || m.criteria().isEmpty() || blank(m.reason())) {
                throw new ControlPackException(source, null, 0, "each 'manual' entry needs 'criteria' and a 'reason'");
            }
            for (String criterion : m.criteria()) {
                if (criterion == null || !CRITERION.matcher(criterion).matches()) {
                    throw new ControlPackException(source, null, 0, "manual criterion '" + criterion + "' is not a Trust Services Criterion");
                }
            }
            manual.add(new ControlPack.ManualCriteria(List.copyOf(m.criteria()), m.reason().trim()));
        }
        return new ControlPack(spec.pack(), ContentHash.of(tree), source, List.copyOf(controls), List.copyOf(manual), yaml);
    }

    private static Control toControl(JsonNode node, String source, int line, Map<String, Integer> lines, String pointer) {
        String idForMessages = node.path("id").isTextual() ? node.path("id").asText() : null;
        ControlSpec spec;
        try {
            spec = YAML.treeToValue(node, ControlSpec.class);
        } catch (IOException e) {
            // a typo is reported at its own line, not the control's first
            throw new ControlPackException(source, idForMessages, lines.getOrDefault(pointer(pointer, e), line), describe(e));
        }
        String id = spec.id();
        Where where = new Where(source, id, line, lines, pointer);
        if (blank(id)) {
            throw new ControlPackException(source, null, line, "'id' is required");
        }
        if (!CONTROL_ID.matcher(id).matches()) {
            throw where.error("id",
                    "'id' must be 3-80 lower-case letters, digits, '.' or '-' (e.g. cc6.1-console-login-mfa)");
        }
        if (blank(spec.title())) {
            throw new ControlPackException(source, id, line, "'title' is required");
        }
        if (spec.criteria() == null || spec.criteria().isEmpty()) {
            throw where.error("criteria", "'criteria' must name at least one Trust Services Criterion, e.g. [CC6.1]");
        }
        for (String criterion : spec.criteria()) {
            if (criterion == null || !CRITERION.matcher(criterion).matches()) {
                throw where.error("criteria",
                        "criterion '" + criterion + "' is not a Trust Services Criterion (e.g. CC6.1, A1.2)");
            }
        }
        Severity severity;
        try {
            severity = Severity.parse(spec.severity());
        } catch (IllegalArgumentException e) {
            throw where.error("severity", e.getMessage());
        }
        String frequency = spec.frequency() == null ? "continuous" : spec.frequency();
        if (!FREQUENCIES.contains(frequency)) {
            throw where.error("frequency", "'frequency' must be one of " + new TreeSet<>(FREQUENCIES));
        }
        String maturity = spec.maturity() == null ? "stable" : spec.maturity();
        if (!MATURITIES.contains(maturity)) {
            throw where.error("maturity", "'maturity' must be one of " + new TreeSet<>(MATURITIES));
        }
        Rule rule = rule(spec, where);
        MessageTemplate message = message(spec.message(), rule, where);
        return new Control(id, ContentHash.of(node), spec.title().trim(), spec.description(),
                List.copyOf(spec.criteria()), severity, spec.owner(), frequency, maturity, rule, message, line);
    }

    /** A control's optional message, compiled for its rule kind; a template that cannot render is a pack error. */
    private static MessageTemplate message(String template, Rule rule, Where where) {
        if (template == null) {
            return null;
        }
        var variables = MessageVariables.of(rule);
        try {
            return MessageTemplate.compile(template, variables);
        } catch (MessageTemplate.InvalidTemplateException e) {
            String hint = "";
            if (rule.stateful() && (e.getMessage().contains("'data'") || e.getMessage().contains("'event'"))) {
                // the usual mistake: a stateful control decides after its events are gone, and keeps no payloads
                hint = " (a " + rule.kind() + " control's message sees " + String.join(", ", variables.keySet())
                        + ", not the event's data: docs/controls.md#messages)";
            }
            throw where.error("message", "'message' " + e.getMessage() + hint);
        }
    }

    /**
     * Where in the pack a problem is, for messages.
     *
     * @param lines   line of every mapping and key of the file, by JSON pointer
     * @param pointer the control's JSON pointer ({@code /controls/3})
     */
    private record Where(String source, String controlId, int line, Map<String, Integer> lines, String pointer) {
        ControlPackException error(String reason) {
            return new ControlPackException(source, controlId, line, reason);
        }

        /** A problem with one field ({@code event.violation}): reported at the field's line when it is in the file. */
        ControlPackException error(String field, String reason) {
            return new ControlPackException(source, controlId,
                    lines.getOrDefault(pointer + "/" + field.replace('.', '/'), line), reason);
        }
    }

    private static Rule rule(ControlSpec spec, Where where) {
        List<String> blocks = new ArrayList<>();
        if (spec.event() != null) blocks.add("event");
        if (spec.threshold() != null) blocks.add("threshold");
        if (spec.absence() != null) blocks.add("absence");
        if (spec.correlation() != null) blocks.add("correlation");
        if (blocks.size() != 1) {
            throw where.error("a control needs exactly one of 'event', 'threshold', 'absence' or 'correlation'"
                    + (blocks.isEmpty() ? "" : " (found " + String.join(", ", blocks) + ")"));
        }
        return switch (blocks.get(0)) {
            case "event" -> eventRule(read(spec.event(), EventSpec.class, "event", where), where);
            case "threshold" -> thresholdRule(read(spec.threshold(), ThresholdSpec.class, "threshold", where), where);
            case "absence" -> absenceRule(read(spec.absence(), AbsenceSpec.class, "absence", where), where);
            default -> correlationRule(read(spec.correlation(), CorrelationSpec.class, "correlation", where), where);
        };
    }

    private static <T> T read(JsonNode node, Class<T> type, String block, Where where) {
        try {
            return YAML.treeToValue(node, type);
        } catch (IOException e) {
            throw new ControlPackException(where.source(), where.controlId(),
                    where.lines().getOrDefault(pointer(where.pointer() + "/" + block, e), where.line()),
                    "in '" + block + "': " + describe(e));
        }
    }

    private static EventRule eventRule(EventSpec spec, Where where) {
        List<String> on = eventTypes(spec.on(), "event.on", where);
        bool(spec.when(), "event.when", false, where);
        bool(spec.violation(), "event.violation", true, where);
        string(spec.subject(), "event.subject", false, where);
        return new EventRule(on, trim(spec.when()), spec.violation().trim(), trim(spec.subject()));
    }

    private static ThresholdRule thresholdRule(ThresholdSpec spec, Where where) {
        List<String> on = eventTypes(spec.on(), "threshold.on", where);
        bool(spec.when(), "threshold.when", false, where);
        string(spec.key(), "threshold.key", true, where);
        string(spec.distinct(), "threshold.distinct", false, where);
        Duration window = duration(spec.window(), "threshold.window", true, where);
        Duration advance = duration(spec.advance(), "threshold.advance", false, where);
        if (advance != null && (advance.compareTo(window) > 0 || window.toMillis() % advance.toMillis() != 0)) {
            throw where.error("'threshold.advance' must divide 'threshold.window' (e.g. window 5m, advance 1m)");
        }
        if (spec.atLeast() == null || spec.atLeast() < 1) {
            throw where.error("'threshold.atLeast' must be a count of at least 1");
        }
        Duration grace = grace(spec.grace(), "threshold.grace", where);
        return new ThresholdRule(on, trim(spec.when()), spec.key().trim(), trim(spec.distinct()), window, advance,
                spec.atLeast(), grace);
    }

    private static AbsenceRule absenceRule(AbsenceSpec spec, Where where) {
        List<String> expect = eventTypes(spec.expect(), "absence.expect", where);
        bool(spec.when(), "absence.when", false, where);
        string(spec.key(), "absence.key", true, where);
        Duration within = duration(spec.within(), "absence.within", true, where);
        Duration grace = grace(spec.grace(), "absence.grace", where);
        List<String> keys = spec.keys() == null ? List.of() : List.copyOf(spec.keys());
        if (keys.stream().anyMatch(ControlPackLoader::blank)) {
            throw where.error("'absence.keys' must not hold empty keys");
        }
        Duration retireAfter = duration(spec.retireAfter(), "absence.retireAfter", false, where);
        if (retireAfter != null && retireAfter.compareTo(MAX_RETIRE_AFTER) > 0) {
            throw where.error("absence.retireAfter", "'absence.retireAfter' must be at most "
                    + Durations.format(MAX_RETIRE_AFTER));
        }
        return new AbsenceRule(expect, trim(spec.when()), spec.key().trim(), within, keys, grace,
                spec.passOnArrival() == null || spec.passOnArrival(), retireAfter);
    }

    private static CorrelationRule correlationRule(CorrelationSpec spec, Where where) {
        if (spec.first() == null || spec.then() == null) {
            throw where.error("'correlation' needs 'first' and 'then'");
        }
        CorrelationRule.EventMatcher first = matcher(spec.first(), "correlation.first", where);
        CorrelationRule.EventMatcher then = matcher(spec.then(), "correlation.then", where);
        CorrelationRule.Mode mode;
        try {
            mode = CorrelationRule.Mode.parse(spec.mode());
        } catch (IllegalArgumentException e) {
            throw where.error("'correlation.mode': " + e.getMessage());
        }
        Duration within = duration(spec.within(), "correlation.within", mode != CorrelationRule.Mode.NOT_FOLLOWED_AFTER, where);
        Duration after = duration(spec.after(), "correlation.after", mode == CorrelationRule.Mode.NOT_FOLLOWED_AFTER, where);
        Duration grace = grace(spec.grace(), "correlation.grace", where);
        return new CorrelationRule(first, then, mode, within, after, grace);
    }

    private static CorrelationRule.EventMatcher matcher(MatcherSpec spec, String field, Where where) {
        List<String> on = eventTypes(spec.on(), field + ".on", where);
        bool(spec.when(), field + ".when", false, where);
        string(spec.key(), field + ".key", true, where);
        return new CorrelationRule.EventMatcher(on, trim(spec.when()), spec.key().trim());
    }

    private static List<String> eventTypes(List<String> types, String field, Where where) {
        if (types == null || types.isEmpty()) {
            throw where.error(field, "'" + field + "' must list at least one event type");
        }
        for (String type : types) {
            if (type == null || !(type.equals("*") || EVENT_TYPE.matcher(type).matches())) {
                throw where.error(field, "event type '" + type + "' in '" + field + "' is not valid");
            }
        }
        return List.copyOf(types);
    }

    private static void bool(String expression, String field, boolean required, Where where) {
        check(expression, field, required, where, e -> CelSupport.checkCondition(e, field), "a CEL condition");
    }

    private static void string(String expression, String field, boolean required, Where where) {
        check(expression, field, required, where, e -> CelSupport.checkString(e, field), "a CEL expression giving a string");
    }

    private static void check(String expression, String field, boolean required, Where where,
                              java.util.function.Function<String, String> checker, String what) {
        if (blank(expression)) {
            if (required) {
                throw where.error("'" + field + "' (" + what + ") is required");
            }
            return;
        }
        String error = checker.apply(expression);
        if (error != null) {
            // the compiler's message ends with the expression and a caret under the problem
            throw where.error(field, "'" + field + "' does not compile:\n" + error);
        }
    }

    private static Duration duration(String text, String field, boolean required, Where where) {
        if (blank(text)) {
            if (required) {
                throw where.error("'" + field + "' (a duration such as 5m, 26h or 90d) is required");
            }
            return null;
        }
        try {
            Duration d = Durations.parse(text);
            if (d.isNegative() || d.isZero()) {
                throw where.error(field, "'" + field + "' must be positive");
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw where.error(field, "'" + field + "': " + e.getMessage());
        }
    }

    private static Duration grace(String text, String field, Where where) {
        if (blank(text)) {
            return DEFAULT_GRACE;
        }
        try {
            Duration d = Durations.parse(text);
            if (d.isNegative()) {
                throw where.error(field, "'" + field + "' must not be negative");
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw where.error(field, "'" + field + "': " + e.getMessage());
        }
    }

    private static String trim(String value) {
        return blank(value) ? null : value.trim();
    }

    /**
     * Maps the JSON pointer of every mapping and key in the file ({@code /controls/3}, {@code /controls/3/event/when})
     * to its line, so a problem is reported where it is written.
     */
    private static Map<String, Integer> lines(String yaml) {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser parser = new YAMLFactory().createParser(yaml)) {
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                if (token == JsonToken.START_OBJECT || token == JsonToken.FIELD_NAME) {
                    lines.putIfAbsent(parser.getParsingContext().pathAsPointer().toString(),
                            parser.currentTokenLocation().getLineNr());
                }
            }
        } catch (IOException e) {
            // already parsed once successfully; line numbers are a courtesy
        }
        return lines;
    }

    /** The JSON pointer of the field a mapping error is about, under {@code base}. */
    private static String pointer(String base, IOException e) {
        StringBuilder pointer = new StringBuilder(base);
        if (e instanceof com.fasterxml.jackson.databind.JsonMappingException mapping) {
            for (com.fasterxml.jackson.databind.JsonMappingException.Reference ref : mapping.getPath()) {
                pointer.append('/').append(ref.getFieldName() != null ? ref.getFieldName() : String.valueOf(ref.getIndex()));
            }
        }
        return pointer.toString();
    }

    private static String describe(IOException e) {
        if (e instanceof UnrecognizedPropertyException unknown) {
            return "unknown field '" + unknown.getPropertyName() + "' (known: " + unknown.getKnownPropertyIds() + ")";
        }
        return firstLine(e.getMessage());
    }

    private static int lineOf(IOException e) {
        if (e instanceof com.fasterxml.jackson.core.JsonProcessingException processing && processing.getLocation() != null) {
            return processing.getLocation().getLineNr();
        }
        return 0;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
