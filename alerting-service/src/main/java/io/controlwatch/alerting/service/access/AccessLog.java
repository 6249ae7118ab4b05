package io.controlwatch.alerting.service.access;

import io.agroal.api.AgroalDataSource;
import io.controlwatch.alerting.config.AccessLogConfig;
import io.controlwatch.alerting.logging.AlertingLogging;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The access log (docs/auditors.md, "The access log"): who read which evidence, when, for which period, and how many
 * rows they got. A request only puts its access on a bounded in-memory queue (never a database round trip on the
 * request's path); a scheduled tick writes the queue to PostgreSQL in batches, and keeps a batch that failed to write
 * for the next tick. An access that finds the queue full is not recorded: it is counted
 * ({@code cw.access.log.dropped}) and logged (CW003221), never lost silently; so is one PostgreSQL refuses for its
 * content (CW003223).
 */
@ApplicationScoped
public class AccessLog {

    /** One recorded access. {@code rows} is null where the resource does not know it. */
    public record Access(UUID accessId, Instant at, String principal, List<String> roles, String method, String route,
                         String path, String query, Instant periodFrom, Instant periodTo, int status, Long rows) {
    }

    static final String COLUMNS = "access_id, at, principal, roles, method, route, path, query, period_from, "
            + "period_to, status, row_count";

    private final AgroalDataSource dataSource;
    private final AccessLogConfig config;
    private final BlockingQueue<Access> queue;
    private final List<Access> failed = new ArrayList<>();
    private final Counter dropped;
    private final AtomicLong droppedSinceLogged = new AtomicLong();

    public AccessLog(AgroalDataSource dataSource, AccessLogConfig config, MeterRegistry registry) {
        this.dataSource = dataSource;
        this.config = config;
        this.queue = new ArrayBlockingQueue<>(config.queueCapacity());
        this.dropped = Counter.builder("cw.access.log.dropped").register(registry);
        // a restarted application in the same JVM (tests) must not leave the gauge reading the previous queue
        registry.find("cw.access.log.waiting").meters().forEach(registry::remove);
        Gauge.builder("cw.access.log.waiting", queue, BlockingQueue::size).strongReference(true).register(registry);
    }

    /** Queues an access to be written; never blocks. */
    public void record(Access access) {
        if (!queue.offer(access)) {
            dropped.increment();
            droppedSinceLogged.incrementAndGet();
        }
    }

    /** Writes the waiting accesses, in batches; what cannot be written now is tried again at the next tick. */
    @Scheduled(every = "${cw.access-log.flush-interval:1s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    synchronized void flush() {
        long lost = droppedSinceLogged.getAndSet(0);
        if (lost > 0) {
            AlertingLogging.LOG.accessLogDropped(config.queueCapacity(), lost);
        }
        try {
            write();
        } catch (SQLException e) {
            AlertingLogging.LOG.accessLogWriteFailed(failed.size(), queue.size(), e.getMessage());
        }
    }

    private void write() throws SQLException {
        while (true) {
            if (failed.isEmpty()) {
                queue.drainTo(failed, config.batchSize());
            }
            if (failed.isEmpty()) {
                return;
            }
            try {
                insert(failed);
            } catch (SQLException e) {
                if (!refused(e)) {
                    throw e; // PostgreSQL unavailable: the batch waits for the next tick
                }
                oneByOne(failed);
            }
            failed.clear();
        }
    }

    /**
     * A batch PostgreSQL refuses for its data: each access is written alone, and one it refuses is not recorded,
     * counted and logged (CW003223), rather than holding back every access queued after it for ever.
     */
    private void oneByOne(List<Access> batch) throws SQLException {
        for (Access a : batch) {
            try {
                insert(List.of(a)); // the ones already written are skipped (on conflict do nothing)
            } catch (SQLException e) {
                if (!refused(e)) {
                    throw e;
                }
                dropped.increment();
                AlertingLogging.LOG.accessLogRefused(a.method(), a.path(), a.principal(), a.at().toString(),
                        sqlState(e));
            }
        }
    }

    /** Refused for what it holds: data exception (22), integrity constraint (23), program limit (54). */
    private static boolean refused(SQLException e) {
        String state = sqlState(e);
        return state != null && (state.startsWith("22") || state.startsWith("23") || state.startsWith("54"));
    }

    private static String sqlState(SQLException e) {
        for (SQLException x = e; x != null; x = x.getNextException()) {
            if (x.getSQLState() != null) {
                return x.getSQLState();
            }
        }
        return null;
    }

    void stop(@Observes ShutdownEvent event) {
        synchronized (this) {
            try {
                write();
            } catch (SQLException | RuntimeException e) {
                AlertingLogging.LOG.accessLogLostAtStop(failed.size() + queue.size(), e.getMessage());
            }
        }
    }

    private void insert(List<Access> batch) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("insert into access_log (" + COLUMNS + ") values "
                     + "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (access_id) do nothing")) {
            for (Access a : batch) {
                s.setObject(1, a.accessId());
                s.setTimestamp(2, Timestamp.from(a.at()));
                s.setString(3, a.principal());
                s.setArray(4, c.createArrayOf("text", a.roles().toArray()));
                s.setString(5, a.method());
                s.setString(6, a.route());
                s.setString(7, a.path());
                s.setString(8, a.query());
                setInstant(s, 9, a.periodFrom());
                setInstant(s, 10, a.periodTo());
                s.setInt(11, a.status());
                if (a.rows() == null) {
                    s.setNull(12, Types.BIGINT);
                } else {
                    s.setLong(12, a.rows());
                }
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    /** A page of the accesses in [from, to), newest first, after the keyset position (at, id) when given. */
    public List<Access> page(Instant from, Instant to, String principal, Instant afterAt, UUID afterId, int limit)
            throws SQLException {
        StringBuilder sql = new StringBuilder("select " + COLUMNS + " from access_log where at >= ? and at < ?");
        if (principal != null) {
            sql.append(" and principal = ?");
        }
        if (afterAt != null) {
            sql.append(" and (at, access_id) < (?, ?)");
        }
        sql.append(" order by at desc, access_id desc limit ?");
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql.toString())) {
            int i = 1;
            s.setTimestamp(i++, Timestamp.from(from));
            s.setTimestamp(i++, Timestamp.from(to));
            if (principal != null) {
                s.setString(i++, principal);
            }
            if (afterAt != null) {
                s.setTimestamp(i++, Timestamp.from(afterAt));
                s.setObject(i++, afterId);
            }
            s.setInt(i, limit);
            List<Access> out = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.add(read(r));
                }
            }
            return out;
        }
    }

    /** Reads one row selected with {@link #COLUMNS}, in that order. */
    public static Access read(ResultSet r) throws SQLException {
        Array roles = r.getArray(4);
        return new Access(r.getObject(1, UUID.class), instant(r, 2), r.getString(3),
                roles == null ? List.of() : Arrays.asList((String[]) roles.getArray()), r.getString(5),
                r.getString(6), r.getString(7), r.getString(8), instant(r, 9), instant(r, 10), r.getInt(11),
                (Long) r.getObject(12));
    }

    /** The columns of {@link #read}, for queries of other components (the export bundle). */
    public static String columns() {
        return COLUMNS;
    }

    private static void setInstant(PreparedStatement s, int index, Instant value) throws SQLException {
        if (value == null) {
            s.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
        } else {
            s.setTimestamp(index, Timestamp.from(value));
        }
    }

    private static Instant instant(ResultSet r, int column) throws SQLException {
        OffsetDateTime t = r.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }
}
