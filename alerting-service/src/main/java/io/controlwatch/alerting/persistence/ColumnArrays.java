package io.controlwatch.alerting.persistence;

import io.smallrye.mutiny.Uni;

import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/**
 * Rows sent to PostgreSQL as one array per column: the statement reads them with {@code unnest(...)}, each array bound
 * as {@code text[]} (the reactive driver binds a {@code String[]} as {@code text[]} only) and cast to its column's
 * type. One list of columns builds both the SQL and the parameters, so they cannot drift apart. A list column
 * ({@code text[]}) travels as one array literal per row, read back as {@code text[]} by {@link #select}.
 * <p>
 * Arrays rather than one JSON document per statement, which Jackson wrote and PostgreSQL parsed: reading 100,000
 * executions took 1,042-1,313 ms from JSON and 375-415 ms from arrays, 60,000 findings 771-786 ms and 192-193 ms
 * (BENCHMARKS.md, "The fifth round" and "The sixth round").
 *
 * @param <T> a row
 */
final class ColumnArrays<T> {

    /** A column: its name in the statement, its SQL type, and its value in a row (null for SQL NULL). */
    record Column<T>(String name, String type, Function<T, String> value) {
    }

    private final List<Column<T>> columns;

    ColumnArrays(List<Column<T>> columns) {
        this.columns = List.copyOf(columns);
    }

    static <T> Column<T> column(String name, String type, Function<T, String> value) {
        return new Column<>(name, type, value);
    }

    /** A {@code text[]} column, sent as each row's array literal. */
    static <T> Column<T> list(String name, Function<T, List<String>> values) {
        return new Column<>(name, TEXT_LIST, row -> arrayLiteral(values.apply(row)));
    }

    private static final String TEXT_LIST = "text[]";

    /** The number of parameters (one per column). */
    int size() {
        return columns.size();
    }

    /** The column names, comma separated, in order. */
    String names() {
        return String.join(", ", columns.stream().map(Column::name).toList());
    }

    /**
     * {@code unnest(cast(?first as text[]), cast(cast(?first+1 as text[]) as uuid[]), ...) as alias(name, ...)}: the
     * columns as parameters {@code ?first} to {@code ?first + size() - 1} (a list column still as its literals).
     */
    String unnest(int first, String alias) {
        StringBuilder arrays = new StringBuilder();
        for (int i = 0; i < columns.size(); i++) {
            String type = columns.get(i).type();
            String text = "cast(?" + (first + i) + " as text[])";
            boolean asText = type.equals("text") || type.equals(TEXT_LIST);
            arrays.append(i == 0 ? "" : ", ").append(asText ? text : "cast(" + text + " as " + type + "[])");
        }
        return "unnest(" + arrays + ") as " + alias + "(" + names() + ")";
    }

    /** The columns of {@link #unnest}'s rows as their types, for a select list: a list column's literal read once. */
    String select(String alias) {
        return String.join(", ", columns.stream().map(c -> c.type().equals(TEXT_LIST)
                ? "cast(" + alias + "." + c.name() + " as text[]) as " + c.name()
                : alias + "." + c.name()).toList());
    }

    /**
     * {@code insert into table (name, ...) select ... from unnest(...)}: the rows, as parameters {@code ?1} to
     * {@code ?size()}, into the table's columns of the same names; the caller appends any {@code on conflict} clause.
     */
    String insertInto(String table) {
        return "insert into " + table + " (" + names() + ")\nselect " + select("r") + " from " + unnest(1, "r") + "\n";
    }

    /**
     * The rows as the statement's parameters, in {@link #unnest}'s order: one {@code String[]} per column, then
     * {@code following} as the parameters numbered after them ({@code ?size()+1}, ...).
     */
    Object[] parameters(List<? extends T> rows, Object... following) {
        Object[] parameters = new Object[columns.size() + following.length];
        System.arraycopy(following, 0, parameters, columns.size(), following.length);
        for (int k = 0; k < columns.size(); k++) {
            Function<T, String> value = columns.get(k).value();
            String[] column = new String[rows.size()];
            for (int i = 0; i < column.length; i++) {
                column[i] = value.apply(rows.get(i));
            }
            parameters[k] = column;
        }
        return parameters;
    }

    /** Runs a statement whose parameters are these rows' columns; nothing is sent for no rows. */
    Uni<Integer> update(String sql, List<? extends T> rows) {
        return rows.isEmpty() ? Uni.createFrom().item(0) : NativeSql.update(sql, parameters(rows));
    }

    /** A PostgreSQL array literal of these texts, each quoted ({@code {"CC6.1","CC6.6"}}); {@code {}} for none. */
    static String arrayLiteral(List<String> values) {
        StringBuilder literal = new StringBuilder(16 * values.size() + 2).append('{');
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                literal.append(',');
            }
            literal.append('"');
            String value = values.get(i);
            for (int j = 0; j < value.length(); j++) {
                char ch = value.charAt(j);
                if (ch == '"' || ch == '\\') {
                    literal.append('\\');
                }
                literal.append(ch);
            }
            literal.append('"');
        }
        return literal.append('}').toString();
    }

    /** A time as its column's text, or null. */
    static String time(Instant at) {
        return at == null ? null : at.toString();
    }
}
