package io.controlwatch.sources.internal;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;

/** Type-checked reads of vendor JSON: a field of the wrong type reads as absent, never as a coerced value. */
public final class Fields {

    private Fields() {
    }

    /** The node at a dotted path ({@code "userIdentity.type"}), or a missing node. */
    public static JsonNode at(JsonNode node, String path) {
        JsonNode current = node == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : node;
        for (String part : path.split("\\.")) {
            current = current.path(part);
        }
        return current;
    }

    /** A non-blank string at the path. */
    public static Optional<String> text(JsonNode node, String path) {
        JsonNode value = at(node, path);
        return value.isTextual() && !value.asText().isBlank() ? Optional.of(value.asText()) : Optional.empty();
    }

    public static Optional<Boolean> bool(JsonNode node, String path) {
        JsonNode value = at(node, path);
        return value.isBoolean() ? Optional.of(value.asBoolean()) : Optional.empty();
    }

    /** An integral number that fits an int (JSON integers only: {@code 22}, not {@code 22.5} or {@code "22"}). */
    public static Optional<Integer> integer(JsonNode node, String path) {
        JsonNode value = at(node, path);
        return value.isIntegralNumber() && value.canConvertToInt() ? Optional.of(value.asInt()) : Optional.empty();
    }

    public static Optional<Long> longValue(JsonNode node, String path) {
        JsonNode value = at(node, path);
        return value.isIntegralNumber() && value.canConvertToLong() ? Optional.of(value.asLong()) : Optional.empty();
    }

    /** An RFC 3339 / ISO-8601 timestamp with offset at the path, as an instant. */
    public static Optional<Instant> instant(JsonNode node, String path) {
        return text(node, path).flatMap(Fields::parseInstant);
    }

    public static Optional<Instant> parseInstant(String text) {
        try {
            return Optional.of(OffsetDateTime.parse(text).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** Lower-case e-mail addresses (people are named by them everywhere); anything else unchanged. */
    public static String person(String name) {
        return name.indexOf('@') > 0 && name.indexOf('@') == name.lastIndexOf('@') && !name.contains(" ")
                ? name.toLowerCase(Locale.ROOT) : name;
    }
}
