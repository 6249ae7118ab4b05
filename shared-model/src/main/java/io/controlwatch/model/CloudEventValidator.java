package io.controlwatch.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a parsed JSON value against the CloudEvents 1.0 JSON format and ControlWatch's bounds: the required context
 * attributes and their types, an RFC 3339 {@code time} within a plausible range, lengths, no control characters in
 * attributes that name things, and extension attribute names and values. Returns every problem, not just the
 * first, so a client fixes its event in one round trip.
 * <p>
 * The bounds exist because what ingest accepts must be storable as evidence downstream: a NUL in an id or a year
 * PostgreSQL cannot represent, accepted once, would otherwise stop evidence recording for everyone. Control characters
 * inside {@code data} strings are allowed (JSON permits them) and are the consumers' business.
 */
public final class CloudEventValidator {

    /** One problem with one event. {@code field} is the attribute name (a JSON pointer-like path). */
    public record Violation(String field, String message) {
    }

    /**
     * The limits an event must respect.
     *
     * @param maxIdLength        {@code id}, in characters
     * @param maxSourceLength    {@code source} (a URI reference)
     * @param maxTypeLength      {@code type}
     * @param maxSubjectLength   {@code subject}
     * @param maxAttributeLength every other string attribute ({@code datacontenttype}, {@code dataschema}, extensions)
     * @param maxExtensions      number of extension attributes
     * @param notBefore          earliest acceptable {@code time}
     * @param maxFutureSkew      how far ahead of now a {@code time} may be (clocks of sources drift)
     */
    public record Bounds(int maxIdLength, int maxSourceLength, int maxTypeLength, int maxSubjectLength,
                         int maxAttributeLength, int maxExtensions, Instant notBefore, Duration maxFutureSkew) {

        /** The documented defaults (docs/security.md). */
        public static final Bounds DEFAULT = new Bounds(256, 1024, 256, 256, 1024, 32, Instant.EPOCH, Duration.ofMinutes(5));
    }

    /** Event types only ControlWatch itself emits (its own audit trail); clients may not send them. */
    public static final String RESERVED_TYPE_PREFIX = "controlwatch.";
    /** Sources only ControlWatch itself uses; clients may not send them. */
    public static final String RESERVED_SOURCE_PREFIX = "urn:controlwatch:";

    private static final List<String> REQUIRED = List.of("id", "source", "type");
    private static final Set<String> OPTIONAL_STRINGS = Set.of("subject", "datacontenttype", "dataschema");
    private static final Set<String> KNOWN_ATTRIBUTES = Set.of("specversion", "id", "source", "type", "subject", "time",
            "datacontenttype", "dataschema", "data", "data_base64");
    private static final Pattern EXTENSION_NAME = Pattern.compile("[a-z0-9]{1,20}");
    /** RFC 3339 timestamps are short; anything longer is not one. */
    private static final int MAX_TIME_LENGTH = 64;

    private CloudEventValidator() {
    }

    /** The structural rules and the default bounds, without the clock-dependent check of {@code time}. */
    public static List<Violation> validate(JsonNode event) {
        return validate(event, Bounds.DEFAULT, null);
    }

    /**
     * Every rule. {@code now} enables the check that {@code time} is at most {@link Bounds#maxFutureSkew()} ahead;
     * null skips it (a consumer re-reading history cannot judge "now").
     */
    public static List<Violation> validate(JsonNode event, Bounds bounds, Instant now) {
        List<Violation> violations = new ArrayList<>();
        if (event == null || !event.isObject()) {
            violations.add(new Violation("", "an event must be a JSON object"));
            return violations;
        }
        JsonNode specversion = event.get("specversion");
        if (specversion == null || specversion.isNull()) {
            violations.add(new Violation("specversion", "is required"));
        } else if (!specversion.isTextual() || !CloudEvent.SPEC_VERSION.equals(specversion.asText())) {
            violations.add(new Violation("specversion", "must be \"1.0\""));
        }
        for (String required : REQUIRED) {
            JsonNode value = event.get(required);
            if (value == null || value.isNull()) {
                violations.add(new Violation(required, "is required"));
            } else if (!value.isTextual() || value.asText().isBlank()) {
                violations.add(new Violation(required, "must be a non-empty string"));
            } else {
                checkName(required, value.asText(), maxLength(required, bounds), violations);
            }
        }
        for (String optional : OPTIONAL_STRINGS) {
            JsonNode value = event.get(optional);
            if (value == null || value.isNull()) {
                continue;
            }
            if (!value.isTextual()) {
                violations.add(new Violation(optional, "must be a string"));
            } else {
                checkName(optional, value.asText(), maxLength(optional, bounds), violations);
            }
        }
        checkTime(event.get("time"), bounds, now, violations);
        if (event.has("data") && event.has("data_base64")) {
            violations.add(new Violation("data_base64", "must not be present together with data"));
        }
        JsonNode base64 = event.get("data_base64");
        if (base64 != null && !base64.isNull() && !base64.isTextual()) {
            violations.add(new Violation("data_base64", "must be a base64 string"));
        }
        JsonNode data = event.get("data");
        if (data != null) {
            checkNumbers("data", data, violations);
        }
        int extensions = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = event.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> attribute = it.next();
            String name = attribute.getKey();
            if (KNOWN_ATTRIBUTES.contains(name)) {
                continue;
            }
            extensions++;
            if (!EXTENSION_NAME.matcher(name).matches()) {
                violations.add(new Violation(printable(name), "extension attribute names must be 1-20 lower-case letters or digits"));
                continue;
            }
            JsonNode value = attribute.getValue();
            if (value.isTextual()) {
                checkName(name, value.asText(), bounds.maxAttributeLength(), violations);
            } else if (!value.isBoolean() && !value.isIntegralNumber() && !value.isNull()) {
                violations.add(new Violation(name, "an extension attribute must be a string, a boolean or an integer"));
            }
        }
        if (extensions > bounds.maxExtensions()) {
            violations.add(new Violation("", "at most " + bounds.maxExtensions() + " extension attributes are allowed"));
        }
        return violations;
    }

    /**
     * Attributes a client may not send because ControlWatch writes them itself: its own event types and sources
     * (the audit trail of pack activations and the like), and extension attributes starting
     * {@value CloudEvent#RESERVED_EXTENSION_PREFIX} (who submitted an event, backfills, raw payload references).
     */
    public static List<Violation> reserved(JsonNode event) {
        List<Violation> violations = new ArrayList<>();
        if (event == null || !event.isObject()) {
            return violations;
        }
        JsonNode type = event.get("type");
        if (type != null && type.isTextual() && type.asText().startsWith(RESERVED_TYPE_PREFIX)) {
            violations.add(new Violation("type", "types starting '" + RESERVED_TYPE_PREFIX + "' are ControlWatch's own"));
        }
        JsonNode source = event.get("source");
        if (source != null && source.isTextual() && source.asText().startsWith(RESERVED_SOURCE_PREFIX)) {
            violations.add(new Violation("source", "sources starting '" + RESERVED_SOURCE_PREFIX + "' are ControlWatch's own"));
        }
        for (Iterator<String> names = event.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!KNOWN_ATTRIBUTES.contains(name) && name.startsWith(CloudEvent.RESERVED_EXTENSION_PREFIX)) {
                violations.add(new Violation(printable(name), "extension attributes starting '"
                        + CloudEvent.RESERVED_EXTENSION_PREFIX + "' are set by ControlWatch"));
            }
        }
        return violations;
    }

    /** Whether a string holds a C0 control character or DEL, which no identifier needs and storage may refuse. */
    public static boolean hasControlCharacter(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return true;
            }
        }
        return false;
    }

    private static int maxLength(String attribute, Bounds bounds) {
        return switch (attribute) {
            case "id" -> bounds.maxIdLength();
            case "source" -> bounds.maxSourceLength();
            case "type" -> bounds.maxTypeLength();
            case "subject" -> bounds.maxSubjectLength();
            default -> bounds.maxAttributeLength();
        };
    }

    private static void checkName(String field, String value, int maxLength, List<Violation> violations) {
        if (value.length() > maxLength) {
            violations.add(new Violation(field, "must be at most " + maxLength + " characters (has " + value.length() + ")"));
        }
        if (hasControlCharacter(value)) {
            violations.add(new Violation(field, "must not contain control characters (U+0000-U+001F, U+007F)"));
        }
    }

    private static void checkTime(JsonNode time, Bounds bounds, Instant now, List<Violation> violations) {
        if (time == null || time.isNull()) {
            return;
        }
        if (!time.isTextual() || time.asText().length() > MAX_TIME_LENGTH) {
            violations.add(new Violation("time", "must be an RFC 3339 timestamp string"));
            return;
        }
        Instant instant;
        try {
            instant = EventTimes.parse(time.asText());
        } catch (DateTimeParseException e) {
            violations.add(new Violation("time", "must be an RFC 3339 timestamp, e.g. 2026-11-28T09:15:00Z"));
            return;
        }
        if (instant.isBefore(bounds.notBefore())) {
            violations.add(new Violation("time", "must not be before " + bounds.notBefore()));
        } else if (now != null && instant.isAfter(now.plus(bounds.maxFutureSkew()))) {
            violations.add(new Violation("time", "must not be more than " + bounds.maxFutureSkew().toSeconds()
                    + " s ahead of the receiver's clock (" + now + "): check the source's clock"));
        }
    }

    /** JSON numbers too large for a double parse as infinity, which cannot be written back as JSON. */
    private static void checkNumbers(String path, JsonNode node, List<Violation> violations) {
        if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue()) && !node.isBigDecimal()) {
            violations.add(new Violation(path, "number out of range"));
        } else if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                checkNumbers(path + "." + printable(field.getKey()), field.getValue(), violations);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                checkNumbers(path + "[" + i + "]", node.get(i), violations);
            }
        }
    }

    /** A client-supplied name made safe and short enough to echo back in a problem. */
    static String printable(String name) {
        StringBuilder out = new StringBuilder(Math.min(name.length(), 64));
        for (int i = 0; i < name.length() && out.length() < 64; i++) {
            char c = name.charAt(i);
            out.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        if (name.length() > 64) {
            out.append('…');
        }
        return out.toString();
    }
}
