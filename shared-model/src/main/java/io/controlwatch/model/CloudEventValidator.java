package io.controlwatch.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a parsed JSON value against the CloudEvents 1.0 JSON format: the required context attributes, their
 * types, an RFC 3339 {@code time}, and extension attribute names. Returns every problem, not just the first,
 * so a client fixes its event in one round trip.
 */
public final class CloudEventValidator {

    /** One problem with one event. {@code field} is the attribute name (a JSON pointer-like path). */
    public record Violation(String field, String message) {
    }

    private static final Set<String> STRING_ATTRIBUTES = Set.of("id", "source", "type", "subject", "datacontenttype", "dataschema");
    private static final Set<String> KNOWN_ATTRIBUTES = Set.of("specversion", "id", "source", "type", "subject", "time",
            "datacontenttype", "dataschema", "data", "data_base64");
    private static final Pattern EXTENSION_NAME = Pattern.compile("[a-z0-9]{1,20}");

    private CloudEventValidator() {
    }

    public static List<Violation> validate(JsonNode event) {
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
        for (String required : List.of("id", "source", "type")) {
            JsonNode value = event.get(required);
            if (value == null || value.isNull()) {
                violations.add(new Violation(required, "is required"));
            } else if (!value.isTextual() || value.asText().isBlank()) {
                violations.add(new Violation(required, "must be a non-empty string"));
            }
        }
        for (String optional : STRING_ATTRIBUTES) {
            JsonNode value = event.get(optional);
            if (value != null && !value.isNull() && !value.isTextual() && !List.of("id", "source", "type").contains(optional)) {
                violations.add(new Violation(optional, "must be a string"));
            }
        }
        JsonNode time = event.get("time");
        if (time != null && !time.isNull()) {
            if (!time.isTextual()) {
                violations.add(new Violation("time", "must be an RFC 3339 timestamp string"));
            } else {
                try {
                    OffsetDateTime.parse(time.asText());
                } catch (DateTimeParseException e) {
                    violations.add(new Violation("time", "must be an RFC 3339 timestamp, e.g. 2026-11-28T09:15:00Z"));
                }
            }
        }
        if (event.has("data") && event.has("data_base64")) {
            violations.add(new Violation("data_base64", "must not be present together with data"));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = event.fields(); it.hasNext(); ) {
            String name = it.next().getKey();
            if (!KNOWN_ATTRIBUTES.contains(name) && !EXTENSION_NAME.matcher(name).matches()) {
                violations.add(new Violation(name, "extension attribute names must be 1-20 lower-case letters or digits"));
            }
        }
        return violations;
    }
}
