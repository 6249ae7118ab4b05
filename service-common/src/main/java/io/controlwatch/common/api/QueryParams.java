package io.controlwatch.common.api;

import jakarta.ws.rs.core.Response;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Parsing of query parameter values with answers a client can act on: every bad value is a 400
 * {@code invalid-parameter} naming the parameter, never a 404 (what JAX-RS does when it cannot convert a value)
 * or a 500 (what a database does with a year it cannot store).
 */
public final class QueryParams {

    /** Times outside these years are refused before they reach a database. */
    private static final Instant EARLIEST = Instant.parse("1970-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

    private QueryParams() {
    }

    /** An integer within [min, max], or the default when absent. */
    public static int integer(String name, String value, int defaultValue, int min, int max) {
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed < min || parsed > max) {
                throw invalid(name, "must be between " + min + " and " + max);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw invalid(name, "must be a whole number between " + min + " and " + max);
        }
    }

    /** An RFC 3339 timestamp (e.g. 2026-11-28T09:00:00Z) between the years 1970 and 9999, or null when absent. */
    public static Instant instant(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        Instant parsed;
        try {
            parsed = OffsetDateTime.parse(value.trim()).toInstant();
        } catch (DateTimeParseException e) {
            throw invalid(name, "must be an RFC 3339 timestamp, e.g. 2026-11-28T09:00:00Z");
        }
        if (parsed.isBefore(EARLIEST) || parsed.isAfter(LATEST)) {
            throw invalid(name, "must be between 1970 and 9999");
        }
        return parsed;
    }

    /** A text value of at most {@code maxLength} characters, or null when absent or blank. */
    public static String text(String name, String value, int maxLength) {
        if (value == null || value.isBlank()) {
            return null;
        }
        if (value.length() > maxLength) {
            throw invalid(name, "must be at most " + maxLength + " characters");
        }
        return value;
    }

    /** One of a fixed set of values (compared without case), returned in the set's spelling; null when absent. */
    public static String oneOf(String name, String value, Set<String> allowed) {
        if (value == null || value.isBlank()) {
            return null;
        }
        for (String candidate : allowed) {
            if (candidate.equalsIgnoreCase(value.trim())) {
                return candidate;
            }
        }
        throw invalid(name, "must be one of " + String.join(", ", allowed.stream().sorted().toList()));
    }

    /** A boolean ({@code true} or {@code false}); null when absent. */
    public static Boolean bool(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw invalid(name, "must be true or false");
        };
    }

    /** A period [from, to): checks from is before to when both are given. */
    public static void period(String fromName, Instant from, String toName, Instant to) {
        if (from != null && to != null && !from.isBefore(to)) {
            throw invalid(toName, "must be after '" + fromName + "'");
        }
    }

    public static ProblemException invalid(String name, String message) {
        return new ProblemException(Problem.of(Response.Status.BAD_REQUEST, "invalid-parameter", "Invalid query parameter",
                "Query parameter '" + name + "' " + message + ".")
                .withErrors(List.of(new Problem.FieldError(null, name, message))));
    }
}
