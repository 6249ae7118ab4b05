package io.controlwatch.alerting.persistence;

import com.fasterxml.jackson.core.type.TypeReference;
import io.controlwatch.evidence.EvidenceRow;
import io.controlwatch.evidence.Sha256;
import io.controlwatch.evidence.SignedCheckpoint;
import io.controlwatch.evidence.StoredExecution;
import io.controlwatch.evidence.verify.EvidenceSource;
import io.controlwatch.model.ModelJson;

import javax.sql.DataSource;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Consumer;

/**
 * The evidence chain as PostgreSQL holds it, streamed over JDBC with server-side cursors in one read-only
 * REPEATABLE READ transaction: every query of one verification or export sees the same snapshot, and memory stays
 * bounded however many rows the chain has. Blocking: use it on a worker thread. Close it to end the transaction.
 */
public final class JdbcEvidenceSource implements EvidenceSource, AutoCloseable {

    /** The columns {@link #row(ResultSet)} reads, in this order. */
    public static final String ROW_COLUMNS = """
            chain_partition, chain_offset, cast(execution_id as text), control_id, control_version, criteria,
            severity, result, reason, message, subject, event_id, event_source, event_type, event_time, ingest_time,
            evaluated_at, pack, pack_version, evidence_event_ids, late, backfilled, submitter,
            cast(exemption_id as text), encode(row_digest, 'hex'), encode(chain_head, 'hex'), recorded_at
            """;

    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {
    };

    private final Connection connection;
    private final int fetchSize;
    private final List<AutoCloseable> open = new ArrayList<>();

    public JdbcEvidenceSource(DataSource dataSource, int fetchSize) throws SQLException {
        this.connection = dataSource.getConnection();
        this.fetchSize = fetchSize;
        try {
            connection.setAutoCommit(false); // server-side cursors need a transaction
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            connection.setReadOnly(true);
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
    }

    public Connection connection() {
        return connection;
    }

    @Override
    public Iterator<SignedCheckpoint> checkpoints(long from, long to) {
        return query("select sequence, cast(body as text) from evidence_checkpoint where sequence between ? and ? "
                + "order by sequence", s -> {
            set(s, 1, from);
            set(s, 2, to);
        }, r -> {
            try {
                return SignedCheckpoint.parse(r.getString(2));
            } catch (IllegalArgumentException e) {
                return null; // an unreadable checkpoint counts as missing: the verifier reports the gap
            }
        });
    }

    @Override
    public Iterator<StoredExecution> rows(int partition, long after, long upTo) {
        return query("select " + ROW_COLUMNS + " from control_execution where chain_partition = ? "
                + "and chain_offset > ? and chain_offset <= ? order by chain_offset", s -> {
            try {
                s.setInt(1, partition);
                s.setLong(2, after);
                s.setLong(3, upTo);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }, JdbcEvidenceSource::row);
    }

    /** The last stored checkpoint's sequence, 0 when there is none. */
    public long latestCheckpoint() throws SQLException {
        try (PreparedStatement s = connection.prepareStatement("select coalesce(max(sequence), 0) from evidence_checkpoint");
             ResultSet r = s.executeQuery()) {
            r.next();
            return r.getLong(1);
        }
    }

    /**
     * Per partition, the offset of the last chained row with event time in {@code [from, to)} (of these controls;
     * all when empty): where an export or a verification of the period must reach.
     */
    public Map<Integer, Long> lastOffsets(Instant from, Instant to, List<String> controls) throws SQLException {
        String sql = "select chain_partition, max(chain_offset) from control_execution where chain_partition is not null "
                + "and event_time >= ? and event_time < ?"
                + (controls.isEmpty() ? "" : " and control_id = any(?)") + " group by chain_partition";
        try (PreparedStatement s = connection.prepareStatement(sql)) {
            s.setTimestamp(1, Timestamp.from(from));
            s.setTimestamp(2, Timestamp.from(to));
            if (!controls.isEmpty()) {
                s.setArray(3, connection.createArrayOf("text", controls.toArray()));
            }
            Map<Integer, Long> last = new LinkedHashMap<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    last.put(r.getInt(1), r.getLong(2));
                }
            }
            return last;
        }
    }

    /** A stored execution from a row of {@link #ROW_COLUMNS}. */
    public static StoredExecution row(ResultSet r) {
        try {
            Array criteria = r.getArray(6);
            EvidenceRow row = new EvidenceRow(r.getString(3), required(r.getString(4)), required(r.getString(5)),
                    criteria == null ? List.of() : strings((String[]) criteria.getArray()),
                    required(r.getString(7)), required(r.getString(8)), r.getString(9), r.getString(10),
                    r.getString(11), required(r.getString(12)), required(r.getString(13)),
                    required(r.getString(14)), instant(r, 15), instant(r, 16), instant(r, 17), r.getString(18),
                    r.getString(19), ids(r.getString(20)), r.getBoolean(21), r.getBoolean(22), r.getString(23),
                    r.getString(24));
            return new StoredExecution(r.getInt(1), r.getLong(2), row, digest(r.getString(25)),
                    digest(r.getString(26)), instant(r, 27));
        } catch (SQLException e) {
            throw new IllegalStateException("reading a stored execution failed: " + e.getMessage(), e);
        }
    }

    /*
     * A stored row is read as it is, however it was edited: a value the chain requires that someone set to NULL, a
     * NULL in a list, a list that is not a JSON array. Such a row can never have been stored (the writer refuses
     * them), so it is read with MISSING (or an "unreadable" marker) in place: its digest then differs from the one
     * recorded, and verification reports the row as changed rather than failing.
     */

    /** Stands for a required value found NULL: PostgreSQL text cannot hold NUL, so no stored value equals it. */
    static final String MISSING = "\0missing";

    private static String required(String value) {
        return value == null ? MISSING : value;
    }

    private static List<String> strings(String[] values) {
        List<String> out = new ArrayList<>(values.length);
        for (String v : values) {
            out.add(required(v));
        }
        return out;
    }

    private static List<String> ids(String json) {
        try {
            List<String> ids = json == null ? List.of() : ModelJson.mapper().readValue(json, STRINGS);
            return ids == null ? List.of("(unreadable: " + json + ")")
                    : strings(ids.toArray(String[]::new)); // still hashed: a changed list breaks the chain
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return List.of("(unreadable: " + json + ")");
        }
    }

    /** A recorded digest or head; one edited into something that is no SHA-256 is as good as none recorded. */
    private static Sha256 digest(String hex) {
        if (hex == null) {
            return null;
        }
        try {
            return Sha256.fromHex(hex);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static Instant instant(ResultSet r, int column) throws SQLException {
        java.time.OffsetDateTime t = r.getObject(column, java.time.OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    private static void set(PreparedStatement s, int index, long value) {
        try {
            s.setLong(index, value);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public interface RowReader<T> {
        T read(ResultSet r) throws SQLException;
    }

    /** A streamed query: rows are fetched {@code fetchSize} at a time; a null answer of the reader is skipped. */
    public <T> Iterator<T> query(String sql, Consumer<PreparedStatement> parameters, RowReader<T> reader) {
        try {
            PreparedStatement s = connection.prepareStatement(sql, ResultSet.TYPE_FORWARD_ONLY,
                    ResultSet.CONCUR_READ_ONLY);
            s.setFetchSize(fetchSize);
            parameters.accept(s);
            ResultSet r = s.executeQuery();
            open.add(s);
            return new Iterator<>() {
                private T next;
                private boolean done;

                @Override
                public boolean hasNext() {
                    try {
                        while (next == null && !done) {
                            if (r.next()) {
                                next = reader.read(r);
                            } else {
                                done = true;
                                r.close();
                                s.close();
                            }
                        }
                        return next != null;
                    } catch (SQLException e) {
                        throw new IllegalStateException("reading the evidence failed: " + e.getMessage(), e);
                    }
                }

                @Override
                public T next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    T t = next;
                    next = null;
                    return t;
                }
            };
        } catch (SQLException e) {
            throw new IllegalStateException("querying the evidence failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        for (AutoCloseable c : open) {
            try {
                c.close();
            } catch (Exception ignored) {
                // the connection's rollback below releases everything anyway
            }
        }
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // read-only: nothing to lose
        }
        try {
            connection.close();
        } catch (SQLException ignored) {
            // returned to the pool or dropped
        }
    }
}
