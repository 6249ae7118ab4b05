package io.controlwatch.alerting.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.alerting.persistence.NativeSql;
import io.controlwatch.common.api.Problem;
import io.controlwatch.common.api.ProblemException;
import io.controlwatch.common.api.QueryParams;
import jakarta.ws.rs.core.Response;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Shared by the findings, exemptions and notifications resources: camelCase views, keyset cursors, ids, bodies. */
final class ApiJson {

    private ApiJson() {
    }

    /**
     * A stored row's text array as a list. The service never stores a null in one, but a row edited by hand may hold
     * anything (the evidence chain reports it as changed): it is shown as it reads, never a 500 for its page.
     */
    static List<String> values(String[] values) {
        return values == null ? List.of() : java.util.Collections.unmodifiableList(java.util.Arrays.asList(values));
    }

    /** A stored row's evidence event ids (a JSON array of ids); whatever a hand edit left instead, as well as it reads. */
    static List<String> evidenceIds(String json) {
        try {
            return values(json == null ? null : io.controlwatch.model.ModelJson.mapper().readValue(json, String[].class));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return List.of();
        }
    }

    /** Rows as the database names them (snake_case) to the API's camelCase, recursively. */
    static JsonNode camel(JsonNode node) {
        if (node.isObject()) {
            ObjectNode out = NativeSql.json().createObjectNode();
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                var e = fields.next();
                out.set(camel(e.getKey()), camel(e.getValue()));
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = NativeSql.json().createArrayNode();
            node.forEach(n -> out.add(camel(n)));
            return out;
        }
        return node;
    }

    private static String camel(String snake) {
        StringBuilder out = new StringBuilder();
        boolean upper = false;
        for (char c : snake.toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }

    /** The cursor of the page after this row: its sort time and id, opaque to clients. */
    static String cursor(String time, String id) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((time + "|" + id).getBytes(StandardCharsets.UTF_8));
    }

    /** Puts the position a cursor names into a filter ({@code after_time}, {@code after_id}). */
    static void after(ObjectNode filter, String cursor) {
        if (cursor == null || cursor.isBlank()) {
            return;
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor.trim()), StandardCharsets.UTF_8);
            int bar = text.indexOf('|');
            Instant time = Instant.parse(text.substring(0, bar).replace("+00:00", "Z"));
            UUID id = UUID.fromString(text.substring(bar + 1));
            filter.put("after_time", time.toString()).put("after_id", id.toString());
        } catch (RuntimeException e) {
            throw QueryParams.invalid("cursor", "is not a cursor this API gave out (use the 'next' of a page)");
        }
    }

    /** A path id that is not a UUID names nothing: 404, never a database error. */
    static String id(String value, String what) {
        try {
            return UUID.fromString(value).toString();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ProblemException(Problem.of(Response.Status.NOT_FOUND, "not-found", "Not found",
                    "There is no " + what + " '" + (value == null ? "" : value.replaceAll("\\p{Cntrl}", "?")) + "'."));
        }
    }

    /** A required text field of a request body: present, not blank, bounded, without control characters. */
    static String text(String field, String value, int max, boolean required, String slug, String title) {
        if (value == null || value.isBlank()) {
            if (required) {
                throw body(field, "is required", slug, title);
            }
            return null;
        }
        if (value.length() > max) {
            throw body(field, "must be at most " + max + " characters", slug, title);
        }
        for (char c : value.toCharArray()) {
            if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
                throw body(field, "must not contain control characters", slug, title);
            }
        }
        return value.trim();
    }

    static ProblemException body(String field, String message, String slug, String title) {
        return new ProblemException(Problem.of(Response.Status.BAD_REQUEST, slug, title,
                "'" + field + "' " + message + ".").withErrors(List.of(new Problem.FieldError(null, field, message))));
    }

    /** A page: the items and the cursor of the next page (null on the last). */
    static ObjectNode page(List<JsonNode> items, int limit, java.util.function.Function<JsonNode, String> cursorOf) {
        ObjectNode page = NativeSql.json().createObjectNode();
        ArrayNode array = page.putArray("items");
        items.forEach(array::add);
        page.put("next", items.size() == limit && !items.isEmpty() ? cursorOf.apply(items.get(items.size() - 1)) : null);
        return page;
    }
}
