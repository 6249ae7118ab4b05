package io.controlwatch.alerting.persistence;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.controlwatch.model.ModelJson;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

import java.util.ArrayList;
import java.util.List;

/**
 * Native statements on the current Hibernate Reactive session (so they join its transaction): one statement text
 * whatever the number of rows, and a query answers one JSON text, read with Jackson, which keeps them free of per-type
 * result mapping. The rows written for every execution (executions, findings, the outbox) travel as one array per
 * column ({@link ColumnArrays}); what is written at a person's pace (exemptions, a sweep's reminders) as JSON.
 */
public final class NativeSql {

    private static final ObjectMapper JSON = ModelJson.configure(JsonMapper.builder())
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();

    private NativeSql() {
    }

    public static ObjectMapper json() {
        return JSON;
    }

    /** Runs a query whose single row and column is a JSON text (e.g. {@code coalesce(jsonb_agg(...), '[]')::text}). */
    public static Uni<JsonNode> query(String sql, Object... parameters) {
        return Panache.getSession().chain(session -> {
            var query = session.createNativeQuery(sql, String.class);
            for (int i = 0; i < parameters.length; i++) {
                query.setParameter(i + 1, parameters[i]);
            }
            return query.getSingleResultOrNull();
        }).map(NativeSql::parse);
    }

    public static Uni<Integer> update(String sql, Object... parameters) {
        return Panache.getSession().chain(session -> {
            var query = session.createNativeQuery(sql);
            for (int i = 0; i < parameters.length; i++) {
                query.setParameter(i + 1, parameters[i]);
            }
            return query.executeUpdate();
        });
    }

    /** An update of rows given as a JSON array; nothing is sent for no rows. */
    public static Uni<Integer> updateRows(String sql, List<?> rows) {
        return rows.isEmpty() ? Uni.createFrom().item(0) : update(sql, write(rows));
    }

    public static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    public static JsonNode parse(String text) {
        try {
            return text == null ? JSON.nullNode() : JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the database answered JSON that does not parse", e);
        }
    }

    public static <T> T read(JsonNode node, Class<T> type) {
        try {
            return JSON.treeToValue(node, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot read " + type.getSimpleName() + " from " + node, e);
        }
    }

    public static <T> List<T> list(JsonNode array, Class<T> type) {
        List<T> out = new ArrayList<>();
        if (array != null && array.isArray()) {
            array.forEach(node -> out.add(read(node, type)));
        }
        return out;
    }
}
