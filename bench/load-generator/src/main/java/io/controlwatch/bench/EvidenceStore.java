package io.controlwatch.bench;

import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The alerting service's evidence tables in PostgreSQL, read directly: the truth the bench compares against.
 * The run's expected executions go into a temporary table, so every check is a join on primary keys.
 */
final class EvidenceStore implements AutoCloseable {

    /**
     * One possible execution of the run: its id, whether it must FAIL, whether ingest confirmed (2xx) the event,
     * and whether the pack must produce it (a successful login: PASS or FAIL). A failed login is optional:
     * whether the MFA control tests it at all is the pack's choice, so it is neither required nor unexpected.
     */
    record Expected(UUID executionId, long seq, boolean mustFail, boolean confirmed, boolean required) {
    }

    /** What PostgreSQL holds for a run, for the MFA control (the other controls of a pack are not modelled). */
    record Check(long expected, long stored, long lost, long wrongResult, long failuresExpected,
                 long failuresStored, long failuresLost, long unconfirmedStored, long runRows, long runEvents,
                 long runFailureRows, long failuresNotFail, long unexpected, List<String> lostSample) {

        /** Executions or failures stored more than once for the same event. */
        long duplicated() {
            return (runRows - runEvents) + failuresNotFail;
        }
    }

    /** The control's running counts against the rows they count (drift = counter - rows). */
    record Counters(long executionsCounter, long executionRows, long failuresCounter, long failureRows) {
        long drift() {
            return Math.abs(executionsCounter - executionRows) + Math.abs(failuresCounter - failureRows);
        }
    }

    private final Connection connection;

    EvidenceStore(Stack stack) throws SQLException {
        this.connection = DriverManager.getConnection(stack.jdbcUrl(), stack.dbUser(), stack.dbPassword());
        this.connection.setAutoCommit(true);
    }

    /** The control's executions counter, a cheap progress signal (one row). */
    long executionsCounter() throws SQLException {
        try (PreparedStatement s = connection.prepareStatement("select executions from control where control_id = ?")) {
            s.setString(1, EventFactory.CONTROL);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getLong(1) : 0;
            }
        }
    }

    void loadExpected(List<Expected> expected) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("drop table if exists bench_expected");
            s.execute("create temporary table bench_expected (execution_id uuid primary key, seq bigint not null, "
                    + "must_fail boolean not null, confirmed boolean not null, required boolean not null)");
        }
        try (PreparedStatement insert = connection.prepareStatement(
                "insert into bench_expected select * from unnest(?::uuid[], ?::bigint[], ?::boolean[], ?::boolean[], ?::boolean[])")) {
            for (int from = 0; from < expected.size(); from += 20_000) {
                List<Expected> slice = expected.subList(from, Math.min(expected.size(), from + 20_000));
                insert.setArray(1, connection.createArrayOf("uuid", slice.stream().map(Expected::executionId).toArray()));
                insert.setArray(2, connection.createArrayOf("bigint", slice.stream().map(Expected::seq).toArray()));
                insert.setArray(3, connection.createArrayOf("boolean", slice.stream().map(Expected::mustFail).toArray()));
                insert.setArray(4, connection.createArrayOf("boolean", slice.stream().map(Expected::confirmed).toArray()));
                insert.setArray(5, connection.createArrayOf("boolean", slice.stream().map(Expected::required).toArray()));
                insert.executeUpdate();
            }
        }
        try (Statement s = connection.createStatement()) {
            s.execute("analyze bench_expected");
        }
    }

    /** How many of the executions that must exist (confirmed events, required by the pack) are stored. */
    long storedRequired() throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet r = s.executeQuery("select count(*) from bench_expected e join control_execution c "
                     + "on c.execution_id = e.execution_id where e.confirmed and e.required")) {
            r.next();
            return r.getLong(1);
        }
    }

    Check check(String source) throws SQLException {
        long expected, stored, lost, wrong, failuresExpected, failuresStored, failuresLost, unconfirmedStored;
        try (Statement s = connection.createStatement();
             ResultSet r = s.executeQuery("""
                     select count(*) filter (where e.confirmed and e.required),
                            count(*) filter (where e.confirmed and e.required and c.execution_id is not null),
                            count(*) filter (where e.confirmed and e.required and c.execution_id is null),
                            count(*) filter (where c.execution_id is not null and (c.result = 'FAIL') <> e.must_fail),
                            count(*) filter (where e.confirmed and e.must_fail),
                            count(*) filter (where e.confirmed and e.must_fail and f.execution_id is not null),
                            count(*) filter (where e.confirmed and e.must_fail and f.execution_id is null),
                            count(*) filter (where not e.confirmed and c.execution_id is not null)
                     from bench_expected e
                     left join control_execution c on c.execution_id = e.execution_id
                     left join control_failure f on f.execution_id = e.execution_id""")) {
            r.next();
            expected = r.getLong(1);
            stored = r.getLong(2);
            lost = r.getLong(3);
            wrong = r.getLong(4);
            failuresExpected = r.getLong(5);
            failuresStored = r.getLong(6);
            failuresLost = r.getLong(7);
            unconfirmedStored = r.getLong(8);
        }
        List<String> lostSample = new ArrayList<>();
        try (Statement s = connection.createStatement();
             ResultSet r = s.executeQuery("select e.seq from bench_expected e where e.confirmed and e.required and not exists "
                     + "(select 1 from control_execution c where c.execution_id = e.execution_id) order by e.seq limit 10")) {
            while (r.next()) {
                lostSample.add(Long.toString(r.getLong(1)));
            }
        }
        long runRows, runEvents, runFailureRows, failuresNotFail, unexpected;
        try (PreparedStatement s = connection.prepareStatement("""
                select count(*), count(distinct (control_id, event_id)),
                       count(*) filter (where not exists (select 1 from bench_expected e where e.execution_id = c.execution_id))
                from control_execution c where event_source = ? and control_id = ?""")) {
            s.setString(1, source);
            s.setString(2, EventFactory.CONTROL);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                runRows = r.getLong(1);
                runEvents = r.getLong(2);
                unexpected = r.getLong(3);
            }
        }
        try (PreparedStatement s = connection.prepareStatement("""
                select count(*), count(*) filter (where c.result is distinct from 'FAIL')
                from control_failure f left join control_execution c on c.execution_id = f.execution_id
                where f.event_source = ? and f.control_id = ?""")) {
            s.setString(1, source);
            s.setString(2, EventFactory.CONTROL);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                runFailureRows = r.getLong(1);
                failuresNotFail = r.getLong(2);
            }
        }
        return new Check(expected, stored, lost, wrong, failuresExpected, failuresStored, failuresLost,
                unconfirmedStored, runRows, runEvents, runFailureRows, failuresNotFail, unexpected, lostSample);
    }

    /** The control row's counts against the rows, in one snapshot. */
    Counters counters() throws SQLException {
        try (PreparedStatement s = connection.prepareStatement("""
                select coalesce((select executions from control where control_id = ?), 0),
                       (select count(*) from control_execution where control_id = ?),
                       coalesce((select failures from control where control_id = ?), 0),
                       (select count(*) from control_failure where control_id = ?)""")) {
            for (int i = 1; i <= 4; i++) {
                s.setString(i, EventFactory.CONTROL);
            }
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return new Counters(r.getLong(1), r.getLong(2), r.getLong(3), r.getLong(4));
            }
        }
    }

    /** When the last execution of any control was stored, if after {@code sinceMs} (epoch ms; -1 if none). */
    long lastRecordedAtMs(long sinceMs) throws SQLException {
        try (PreparedStatement s = connection.prepareStatement(
                "select (extract(epoch from max(recorded_at)) * 1000)::bigint from control_execution where recorded_at >= ?")) {
            s.setObject(1, java.time.OffsetDateTime.ofInstant(java.time.Instant.ofEpochMilli(sinceMs), java.time.ZoneOffset.UTC));
            try (ResultSet r = s.executeQuery()) {
                r.next();
                long v = r.getLong(1);
                return r.wasNull() ? -1 : v;
            }
        }
    }

    /** Which of these failures are stored (primary-key lookups, cheap enough to poll every few ms). */
    Set<UUID> storedFailures(List<UUID> ids) throws SQLException {
        Set<UUID> found = new HashSet<>();
        if (ids.isEmpty()) {
            return found;
        }
        try (PreparedStatement s = connection.prepareStatement(
                "select execution_id from control_failure where execution_id = any(?)")) {
            Array array = connection.createArrayOf("uuid", ids.toArray());
            s.setArray(1, array);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    found.add(r.getObject(1, UUID.class));
                }
            }
        }
        return found;
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
