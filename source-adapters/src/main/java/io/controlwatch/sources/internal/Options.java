package io.controlwatch.sources.internal;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads and checks a source's options. {@link #problems} reports unknown names and wrong types (as the control pack
 * loader does: a typo is an error, not ignored); the getters then read valid options only and fall back to defaults.
 */
public final class Options {

    public enum Type { STRING, BOOLEAN, STRING_LIST, STRING_MAP }

    private final JsonNode options;

    public Options(JsonNode options) {
        this.options = options;
    }

    public static List<String> problems(JsonNode options, Map<String, Type> allowed) {
        List<String> problems = new ArrayList<>();
        if (options == null || options.isNull() || options.isMissingNode()) {
            return problems;
        }
        if (!options.isObject()) {
            problems.add("options must be a JSON object");
            return problems;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = options.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            Type type = allowed.get(field.getKey());
            if (type == null) {
                problems.add("unknown option '" + field.getKey() + "' (known: " + String.join(", ", allowed.keySet()) + ")");
                continue;
            }
            JsonNode value = field.getValue();
            boolean ok = switch (type) {
                case STRING -> value.isTextual() && !value.asText().isBlank() && value.asText().length() <= 512;
                case BOOLEAN -> value.isBoolean();
                case STRING_LIST -> value.isArray() && value.size() <= 1000 && allText(value.elements());
                case STRING_MAP -> value.isObject() && value.size() <= 10_000 && allText(value.elements());
            };
            if (!ok) {
                problems.add("option '" + field.getKey() + "' must be " + switch (type) {
                    case STRING -> "a non-empty string of at most 512 characters";
                    case BOOLEAN -> "a boolean";
                    case STRING_LIST -> "an array of at most 1000 strings";
                    case STRING_MAP -> "an object of at most 10000 string values";
                });
            }
        }
        return problems;
    }

    private static boolean allText(Iterator<JsonNode> values) {
        while (values.hasNext()) {
            JsonNode value = values.next();
            if (!value.isTextual() || value.asText().length() > 512) {
                return false;
            }
        }
        return true;
    }

    public Optional<String> string(String name) {
        return Fields.text(options, name);
    }

    public boolean bool(String name, boolean fallback) {
        return Fields.bool(options, name).orElse(fallback);
    }

    public List<String> list(String name, List<String> fallback) {
        JsonNode value = options.path(name);
        if (!value.isArray()) {
            return fallback;
        }
        List<String> result = new ArrayList<>();
        value.forEach(v -> {
            if (v.isTextual()) {
                result.add(v.asText());
            }
        });
        return result;
    }

    /** A string-to-string map with lower-cased keys (logins are case-insensitive). */
    public Map<String, String> lowerKeyMap(String name) {
        JsonNode value = options.path(name);
        Map<String, String> result = new LinkedHashMap<>();
        if (value.isObject()) {
            value.fields().forEachRemaining(e -> {
                if (e.getValue().isTextual()) {
                    result.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue().asText());
                }
            });
        }
        return result;
    }

    public static Set<String> lower(List<String> values) {
        Set<String> result = new java.util.HashSet<>();
        values.forEach(v -> result.add(v.toLowerCase(Locale.ROOT)));
        return result;
    }
}
