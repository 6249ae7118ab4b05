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
    record PackSpec(String pack, Integer formatVersion, String description, List<JsonNode> controls) {
    }

    /** The YAML shape of one control, before validation. */
    record ControlSpec(String id, String title, String description, List<String> criteria, String severity,
                       String owner, String frequency, List<String> appliesTo, String subject, String violation) {
    }

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
        try {
            spec = YAML.treeToValue(tree, PackSpec.class);
        } catch (IOException e) {
            throw new ControlPackException(source, null, 0, describe(e));
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
        Map<Integer, Integer> lines = controlLines(yaml);
        List<Control> controls = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < spec.controls().size(); i++) {
            JsonNode node = spec.controls().get(i);
            int line = lines.getOrDefault(i, 0);
            Control control = toControl(node, source, line);
            if (!ids.add(control.id())) {
                throw new ControlPackException(source, control.id(), line, "duplicate control id");
            }
            controls.add(control);
        }
        return new ControlPack(spec.pack(), ContentHash.of(tree), source, List.copyOf(controls));
    }

    private static Control toControl(JsonNode node, String source, int line) {
        String idForMessages = node.path("id").isTextual() ? node.path("id").asText() : null;
        ControlSpec spec;
        try {
            spec = YAML.treeToValue(node, ControlSpec.class);
        } catch (IOException e) {
            throw new ControlPackException(source, idForMessages, line, describe(e));
        }
        String id = spec.id();
        if (blank(id)) {
            throw new ControlPackException(source, null, line, "'id' is required");
        }
        if (!CONTROL_ID.matcher(id).matches()) {
            throw new ControlPackException(source, id, line,
                    "'id' must be 3-80 lower-case letters, digits, '.' or '-' (e.g. cc6.1-console-login-mfa)");
        }
        if (blank(spec.title())) {
            throw new ControlPackException(source, id, line, "'title' is required");
        }
        if (spec.criteria() == null || spec.criteria().isEmpty()) {
            throw new ControlPackException(source, id, line, "'criteria' must name at least one Trust Services Criterion, e.g. [CC6.1]");
        }
        for (String criterion : spec.criteria()) {
            if (criterion == null || !CRITERION.matcher(criterion).matches()) {
                throw new ControlPackException(source, id, line,
                        "criterion '" + criterion + "' is not a Trust Services Criterion (e.g. CC6.1, A1.2)");
            }
        }
        Severity severity;
        try {
            severity = Severity.parse(spec.severity());
        } catch (IllegalArgumentException e) {
            throw new ControlPackException(source, id, line, e.getMessage());
        }
        if (spec.appliesTo() == null || spec.appliesTo().isEmpty()) {
            throw new ControlPackException(source, id, line, "'appliesTo' must list at least one event type");
        }
        for (String type : spec.appliesTo()) {
            if (type == null || !EVENT_TYPE.matcher(type).matches()) {
                throw new ControlPackException(source, id, line, "event type '" + type + "' in 'appliesTo' is not valid");
            }
        }
        if (blank(spec.violation())) {
            throw new ControlPackException(source, id, line, "'violation' (a CEL condition, true when an event violates the control) is required");
        }
        String violationError = CelSupport.checkViolation(spec.violation());
        if (violationError != null) {
            throw new ControlPackException(source, id, line, "'violation' does not compile: " + violationError);
        }
        if (spec.subject() != null) {
            String subjectError = CelSupport.checkSubject(spec.subject());
            if (subjectError != null) {
                throw new ControlPackException(source, id, line, "'subject' does not compile: " + subjectError);
            }
        }
        return new Control(id, ContentHash.of(node), spec.title().trim(), spec.description(),
                List.copyOf(spec.criteria()), severity, spec.owner(), spec.frequency() == null ? "continuous" : spec.frequency(),
                List.copyOf(spec.appliesTo()), spec.subject(), spec.violation().trim(), line);
    }

    /** Maps the index of each entry of {@code controls} to its line in the file, for messages. */
    private static Map<Integer, Integer> controlLines(String yaml) {
        Map<Integer, Integer> lines = new HashMap<>();
        try (JsonParser parser = new YAMLFactory().createParser(yaml)) {
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                if (token == JsonToken.START_OBJECT) {
                    String pointer = parser.getParsingContext().pathAsPointer().toString();
                    if (pointer.matches("/controls/\\d+")) {
                        lines.put(Integer.parseInt(pointer.substring("/controls/".length())),
                                parser.currentTokenLocation().getLineNr());
                    }
                }
            }
        } catch (IOException e) {
            // already parsed once successfully; line numbers are a courtesy
        }
        return lines;
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
