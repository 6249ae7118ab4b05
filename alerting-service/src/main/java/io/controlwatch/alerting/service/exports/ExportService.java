package io.controlwatch.alerting.service.exports;

import io.agroal.api.AgroalDataSource;
import io.controlwatch.alerting.config.EvidenceConfig;
import io.controlwatch.alerting.config.ExportsConfig;
import io.controlwatch.alerting.logging.AlertingLogging;
import io.controlwatch.alerting.service.evidence.CheckpointPublisher;
import io.controlwatch.alerting.service.evidence.EvidenceKeys;
import io.controlwatch.common.api.Problem;
import io.controlwatch.common.api.ProblemException;
import io.controlwatch.evidence.KeyRing;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import io.vertx.core.Vertx;
import jakarta.ws.rs.core.Response;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Export requests and their progress, in PostgreSQL ({@code evidence_export}); the bundles are written in the
 * background by {@link BundleExport} on this instance's export threads. Blocking (JDBC): call it from worker threads.
 */
@ApplicationScoped
public class ExportService {

    private static final String COLUMNS = "export_id, state, period_from, period_to, controls, criteria, scope, "
            + "requested_by, requested_at, started_at, finished_at, rows_total, rows_written, bundle_file, "
            + "bundle_bytes, bundle_sha256, error, expired_at";

    private final AgroalDataSource dataSource;
    private final ExportsConfig config;
    private final EvidenceKeys keys;
    private final CheckpointPublisher publisher;
    private final BundleExport bundles;
    private final Clock clock;
    private final Vertx vertx;
    private final ExecutorService workers;
    private final Set<UUID> mine = ConcurrentHashMap.newKeySet();

    public ExportService(AgroalDataSource dataSource, ExportsConfig config, EvidenceConfig evidence,
                         EvidenceKeys keys, CheckpointPublisher publisher, BundleExport bundles, Clock clock,
                         Vertx vertx) {
        this.dataSource = dataSource;
        this.config = config;
        this.keys = keys;
        this.publisher = publisher;
        this.bundles = bundles;
        this.clock = clock;
        this.vertx = vertx;
        this.workers = new ThreadPoolExecutor(config.concurrency(), config.concurrency(), 0, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "cw-export");
                    t.setDaemon(true);
                    return t;
                });
    }

    void stop(@Observes ShutdownEvent event) {
        workers.shutdownNow(); // a running or waiting export stops beating and is marked FAILED (its part is deleted)
    }

    /** Records an export request and starts it; answers its id. */
    public UUID request(Instant from, Instant to, List<String> controls, List<String> criteria, String requestedBy)
            throws SQLException {
        Optional<KeyRing> ring = keys.signing();
        if (ring.isEmpty()) {
            throw new ProblemException(Problem.of(Response.Status.CONFLICT, "no-signing-key",
                    "No signing key", "The service has no evidence signing key (CW_EVIDENCE_SIGNING_KEY): a bundle "
                            + "it wrote could not be verified, so it writes none."));
        }
        if (mine.size() >= config.maxQueued()) {
            throw new ProblemException(Problem.of(Response.Status.TOO_MANY_REQUESTS, "too-many-exports",
                    "Too many exports", "This instance already has " + mine.size() + " exports queued or running; "
                            + "try again when one is done."));
        }
        UUID id = UUID.randomUUID();
        Instant now = clock.instant();
        try (Connection c = dataSource.getConnection()) {
            refuseWhenBehindTheTopic(c);
            List<String> scope = resolveScope(c, controls, criteria);
            try (PreparedStatement s = c.prepareStatement("insert into evidence_export (export_id, state, "
                    + "period_from, period_to, controls, criteria, scope, requested_by, requested_at, updated_at) "
                    + "values (?, 'QUEUED', ?, ?, ?, ?, ?, ?, ?, ?)")) {
                s.setObject(1, id);
                s.setTimestamp(2, Timestamp.from(from));
                s.setTimestamp(3, Timestamp.from(to));
                s.setArray(4, c.createArrayOf("text", controls.toArray()));
                s.setArray(5, c.createArrayOf("text", criteria.toArray()));
                s.setArray(6, c.createArrayOf("text", scope.toArray()));
                s.setString(7, requestedBy);
                s.setTimestamp(8, Timestamp.from(now));
                s.setTimestamp(9, Timestamp.from(now));
                s.executeUpdate();
            }
        }
        mine.add(id);
        submit(id);
        return id;
    }

    /**
     * A bundle is signed over the checkpoints PostgreSQL holds: when the checkpoint topic shows later ones, checkpoints
     * (and perhaps the rows they covered) were removed from the database, and a bundle would present what is left as
     * complete.
     */
    private void refuseWhenBehindTheTopic(Connection c) throws SQLException {
        long published = publisher.publishedHigh();
        try (PreparedStatement s = c.prepareStatement("select coalesce(max(sequence), 0) from evidence_checkpoint");
             ResultSet r = s.executeQuery()) {
            r.next();
            long stored = r.getLong(1);
            if (stored < published) {
                throw new ProblemException(Problem.of(Response.Status.CONFLICT, "evidence-behind-checkpoint-topic",
                        "Evidence store behind its published checkpoints", "PostgreSQL's latest evidence checkpoint "
                                + "is #" + stored + " but #" + published + " is on cw.evidence-checkpoints.v1: "
                                + "checkpoints, and perhaps the executions they covered, were removed from the "
                                + "database. GET /api/v1/evidence/verify lists what is missing; no bundle is written "
                                + "until they are back."));
            }
        }
    }

    /**
     * Runs the export's next step on an export thread. An export waiting for its closing checkpoint does not hold
     * the thread: its next look is a Vert.x timer away, and other exports run meanwhile.
     */
    private void submit(UUID id) {
        try {
            workers.submit(() -> {
                Duration again = null;
                try {
                    again = bundles.step(id);
                } finally {
                    if (again == null) {
                        mine.remove(id);
                    } else {
                        vertx.setTimer(Math.max(1, again.toMillis()), timer -> submit(id));
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            mine.remove(id); // stopping: the stale-export sweep marks it FAILED
        }
    }

    /**
     * The controls an export covers: those named, plus every control of the catalog that supports a named
     * criterion. Empty (all controls) only when neither is named; a criterion no control supports is a 400.
     */
    private static List<String> resolveScope(Connection c, List<String> controls, List<String> criteria)
            throws SQLException {
        if (controls.isEmpty() && criteria.isEmpty()) {
            return List.of();
        }
        List<String> known = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("select control_id from control where control_id = any(?) "
                + "or criteria && ? order by control_id")) {
            s.setArray(1, c.createArrayOf("text", controls.toArray()));
            s.setArray(2, c.createArrayOf("text", criteria.toArray()));
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    known.add(r.getString(1));
                }
            }
        }
        for (String control : controls) {
            if (!known.contains(control)) {
                throw new ProblemException(Problem.of(Response.Status.NOT_FOUND, "unknown-control", "Unknown control",
                        "No control '" + control + "' is known."));
            }
        }
        if (known.isEmpty()) {
            throw ProblemException.badRequest("invalid-body", "Invalid export request",
                    "No control supports the criteria " + criteria + ".");
        }
        return known;
    }

    /** The export, if it exists. */
    public Optional<ExportStatus> status(UUID id) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("select " + COLUMNS + " from evidence_export where export_id = ?")) {
            s.setObject(1, id);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(status(r)) : Optional.empty();
            }
        }
    }

    /** The bundle file of a finished export, if it exists and is still on this instance's disk. */
    public Optional<Path> bundleFile(ExportStatus status) {
        if (!"DONE".equals(status.state())) {
            return Optional.empty();
        }
        Path file = Path.of(config.directory()).resolve(status.exportId() + ".zip");
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    /** Keeps this instance's unfinished exports beating and fails those whose instance stopped. */
    @Scheduled(every = "30s", delayed = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        try (Connection c = dataSource.getConnection()) {
            if (!mine.isEmpty()) {
                try (PreparedStatement s = c.prepareStatement("update evidence_export set updated_at = now() "
                        + "where export_id = any(?) and state in ('QUEUED', 'WAITING', 'RUNNING')")) {
                    s.setArray(1, c.createArrayOf("uuid", mine.toArray()));
                    s.executeUpdate();
                }
            }
            try (PreparedStatement s = c.prepareStatement("update evidence_export set state = 'FAILED', "
                    + "finished_at = now(), updated_at = now(), error = 'the instance running it stopped (restart or "
                    + "crash) before it finished; request the export again' "
                    + "where state in ('QUEUED', 'WAITING', 'RUNNING') and updated_at < now() - cast(? as interval) "
                    + "returning export_id")) {
                s.setString(1, config.staleAfter().toSeconds() + " seconds");
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        AlertingLogging.LOG.exportAbandoned(r.getString(1));
                    }
                }
            }
        } catch (SQLException e) {
            AlertingLogging.LOG.exportSweepFailed(e.getMessage());
        }
    }

    /**
     * Bundle retention: exports DONE longer ago than {@code CW_EXPORTS_RETENTION} become EXPIRED, and every bundle
     * file on this instance's disk whose export is EXPIRED (marked by whichever instance looked first) is deleted.
     */
    @Scheduled(every = "${cw.exports.cleanup-every:1m}", delayed = "5s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void expire() {
        Instant cutoff = clock.instant().minus(config.retention());
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement s = c.prepareStatement("update evidence_export set state = 'EXPIRED', "
                    + "expired_at = ?, updated_at = now() where state = 'DONE' and finished_at < ? returning export_id")) {
                s.setTimestamp(1, Timestamp.from(clock.instant()));
                s.setTimestamp(2, Timestamp.from(cutoff));
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        AlertingLogging.LOG.exportExpired(r.getString(1), config.retention().toString());
                    }
                }
            }
            Path dir = Path.of(config.directory());
            if (!Files.isDirectory(dir)) {
                return;
            }
            List<Path> bundles = new ArrayList<>();
            try (var files = Files.newDirectoryStream(dir, "*.zip")) {
                files.forEach(bundles::add);
            }
            for (Path file : bundles) {
                UUID id;
                try {
                    id = UUID.fromString(file.getFileName().toString().replaceFirst("\\.zip$", ""));
                } catch (IllegalArgumentException e) {
                    continue; // not a bundle of ours
                }
                if (keep(c, id)) {
                    continue;
                }
                Files.deleteIfExists(file);
            }
        } catch (SQLException | java.io.IOException e) {
            AlertingLogging.LOG.exportCleanupFailed(e.getMessage());
        }
    }

    /**
     * A bundle file is deleted only when its export is known and EXPIRED (or FAILED): a file this database does not
     * know may belong to another stack sharing the directory, and is left alone.
     */
    private static boolean keep(Connection c, UUID id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("select state from evidence_export where export_id = ?")) {
            s.setObject(1, id);
            try (ResultSet r = s.executeQuery()) {
                return !(r.next() && List.of("EXPIRED", "FAILED").contains(r.getString(1)));
            }
        }
    }

    private static ExportStatus status(ResultSet r) throws SQLException {
        UUID id = r.getObject(1, UUID.class);
        String state = r.getString(2);
        Long total = (Long) r.getObject(12);
        long written = r.getLong(13);
        int percent = "DONE".equals(state) || "EXPIRED".equals(state) ? 100
                : total == null || total == 0 ? 0 : (int) Math.min(99, written * 100 / total);
        return new ExportStatus(id, state, instant(r, 3), instant(r, 4), strings(r.getArray(5)),
                strings(r.getArray(6)), strings(r.getArray(7)), r.getString(8), instant(r, 9), instant(r, 10),
                instant(r, 11), total, written, percent,
                "DONE".equals(state) ? "/api/v1/exports/" + id + "/bundle" : null, (Long) r.getObject(15),
                r.getString(16), r.getString(17), instant(r, 18));
    }

    private static List<String> strings(Array array) throws SQLException {
        return array == null ? List.of() : Arrays.asList((String[]) array.getArray());
    }

    private static Instant instant(ResultSet r, int column) throws SQLException {
        OffsetDateTime t = r.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

}
