package io.controlwatch.alerting.service.exports;

import io.agroal.api.AgroalDataSource;
import io.controlwatch.alerting.api.ReportResource;
import io.controlwatch.alerting.config.EvidenceConfig;
import io.controlwatch.alerting.config.ExportsConfig;
import io.controlwatch.alerting.logging.AlertingLogging;
import io.controlwatch.alerting.persistence.JdbcEvidenceSource;
import io.controlwatch.alerting.persistence.NativeSql;
import io.controlwatch.alerting.service.access.AccessLog;
import io.controlwatch.alerting.service.evidence.EvidenceKeys;
import io.controlwatch.alerting.service.reports.OperatingEffectiveness;
import io.controlwatch.alerting.service.reports.ReportService;
import io.controlwatch.evidence.ChainHead;
import io.controlwatch.evidence.Checkpoint;
import io.controlwatch.evidence.EvidenceRow;
import io.controlwatch.evidence.KeyRing;
import io.controlwatch.evidence.Sha256;
import io.controlwatch.evidence.SignedCheckpoint;
import io.controlwatch.evidence.StoredExecution;
import io.controlwatch.evidence.bundle.BundleWriter;
import io.controlwatch.evidence.bundle.ExportRange;
import io.controlwatch.evidence.bundle.Manifest;
import io.controlwatch.evidence.oscal.AssessmentResults;
import io.controlwatch.evidence.oscal.ControlResult;
import io.controlwatch.evidence.verify.Population;
import io.controlwatch.model.Topics;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.common.vertx.VertxContext;
import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Writes one export's bundle (docs/auditors.md, "What is in a bundle"): chooses the checkpoints that cover the
 * period, then streams the chain range from one PostgreSQL snapshot into the ZIP (the population in full, the rest
 * as links), the other evidence of the period, the report and its OSCAL form, and signs the manifest. Memory stays
 * bounded: every file is streamed row by row. Progress is written as it goes; a failure marks the export FAILED
 * with the reason and leaves no partial bundle.
 */
@ApplicationScoped
public class BundleExport {

    /** Population rows between two progress updates. */
    private static final int PROGRESS_EVERY = 5_000;

    static final List<String> CSV_COLUMNS = List.of("execution_id", "control_id", "control_version", "criteria",
            "severity", "result", "reason", "message", "subject", "event_id", "event_source", "event_type",
            "event_time", "ingest_time", "evaluated_at", "pack", "pack_version", "evidence_event_ids", "late",
            "backfilled", "submitter", "exemption_id", "chain_partition", "chain_offset", "row_digest", "recorded_at");

    static final List<String> ACCESS_CSV_COLUMNS = List.of("access_id", "at", "principal", "roles", "method", "route",
            "path", "query", "period_from", "period_to", "status", "row_count");

    private final AgroalDataSource dataSource;
    private final ExportsConfig config;
    private final EvidenceConfig evidence;
    private final EvidenceKeys keys;
    private final ReportService reports;
    private final Vertx vertx;
    private final Clock clock;

    public BundleExport(AgroalDataSource dataSource, ExportsConfig config, EvidenceConfig evidence, EvidenceKeys keys,
                        ReportService reports, Vertx vertx, Clock clock) {
        this.dataSource = dataSource;
        this.config = config;
        this.evidence = evidence;
        this.keys = keys;
        this.reports = reports;
        this.vertx = vertx;
        this.clock = clock;
    }

    private record Request(Instant from, Instant to, List<String> controls, List<String> criteria, List<String> scope,
                           String requestedBy, Instant startedAt) {
    }

    /**
     * One step of the export, never blocking to wait: answers when to take the next step while it waits for its
     * closing checkpoint (state WAITING), or null once it ended, DONE with the bundle or FAILED with the reason.
     */
    public Duration step(UUID id) {
        Path dir = Path.of(config.directory());
        Path part = dir.resolve(id + ".zip.part");
        try {
            Request request = begin(id);
            if (request == null) {
                return null; // no longer ours to run (failed by the stale-export sweep)
            }
            Range range = range(request);
            if (range == null) {
                return WAIT_STEP;
            }
            if (!running(id)) {
                return null;
            }
            Files.createDirectories(dir);
            Population population = new Population(request.from(), request.to(), Set.copyOf(request.scope()));
            KeyRing ring = keys.signing().orElseThrow(() -> new IllegalStateException("no signing key"));
            OperatingEffectiveness report = report(request);
            Manifest manifest;
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (JdbcEvidenceSource source = new JdbcEvidenceSource(dataSource, evidence.fetchSize());
                 OutputStream file = new java.security.DigestOutputStream(
                         new java.io.BufferedOutputStream(Files.newOutputStream(part), 1 << 16), sha);
                 BundleWriter bundle = new BundleWriter(file, ring)) {
                manifest = write(id, source, bundle, request, population, range, report);
            }
            Path done = dir.resolve(id + ".zip");
            Files.move(part, done, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            finish(id, done, HexFormat.of().formatHex(sha.digest()), new String(manifest.toBytes(),
                    StandardCharsets.UTF_8));
            AlertingLogging.LOG.exportDone(id.toString(), request.requestedBy(), request.from().toString(),
                    request.to().toString(), manifest.counts().getOrDefault("executions.jsonl", 0L));
            return null;
        } catch (Exception | Error e) {
            try {
                Files.deleteIfExists(part);
            } catch (IOException ignored) {
                // the next export of the same id cannot happen: ids are random
            }
            String reason = e instanceof InterruptedException ? "the service stopped while the export ran"
                    : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            fail(id, reason.length() > 1000 ? reason.substring(0, 1000) : reason);
            AlertingLogging.LOG.exportFailed(id.toString(), reason);
            if (e instanceof Error error) {
                throw error;
            }
            return null;
        }
    }

    /** How long a waiting export rests between two looks for its closing checkpoint. */
    static final Duration WAIT_STEP = Duration.ofSeconds(1);

    private record Range(Checkpoint anchor, Checkpoint closing) {
    }

    /**
     * The checkpoints the bundle spans, or null to look again later: the bundle needs a checkpoint that covers the
     * period's last rows, made after the period if the period is over (at most one checkpoint interval while evidence
     * flows). Past the wait ({@code CW_EXPORTS_CHECKPOINT_WAIT}, from the export's start) the latest covering
     * checkpoint is taken; with none at all the export fails.
     */
    private Range range(Request request) throws SQLException {
        Instant deadline = request.startedAt().plus(config.checkpointWait());
        try (JdbcEvidenceSource source = new JdbcEvidenceSource(dataSource, evidence.fetchSize())) {
            ExportRange range = new ExportRange(request.from(), request.to(),
                    source.lastOffsets(request.from(), request.to(), request.scope()));
            long latest = source.latestCheckpoint();
            Iterator<SignedCheckpoint> checkpoints = source.checkpoints(1, latest);
            while (checkpoints.hasNext() && range.offer(checkpoints.next().checkpoint())) {
                // until the closing checkpoint
            }
            Checkpoint closing = range.closing();
            boolean periodOver = !clock.instant().isBefore(request.to());
            if (closing != null && (!periodOver || !closing.createdAt().isBefore(request.to())
                    || clock.instant().isAfter(deadline))) {
                return new Range(range.anchor(), closing);
            }
            if (clock.instant().isAfter(deadline)) {
                throw new IllegalStateException("no signed checkpoint covers the period's last executions yet "
                        + "(is a signing key configured, and is evidence flowing?)");
            }
            return null;
        }
    }

    private Manifest write(UUID id, JdbcEvidenceSource source, BundleWriter bundle, Request request,
                           Population population, Range range, OperatingEffectiveness report)
            throws IOException, SQLException {
        Checkpoint anchor = range.anchor();
        Checkpoint closing = range.closing();
        long total = 0;
        for (ChainHead head : closing.partitions()) {
            total += countPopulation(source.connection(), head.partition(), after(anchor, head.partition()),
                    head.offset(), request);
        }
        progress(id, total, 0);

        long written = 0;
        try (BundleWriter.ExecutionsFile rows = bundle.executions()) {
            for (ChainHead head : closing.partitions()) {
                Iterator<StoredExecution> it = source.rows(head.partition(), after(anchor, head.partition()),
                        head.offset());
                while (it.hasNext()) {
                    StoredExecution s = it.next();
                    if (population.contains(s.row().eventTime(), s.row().controlId())) {
                        rows.write(s);
                        if (++written % PROGRESS_EVERY == 0) {
                            progress(id, total, written);
                        }
                    }
                }
            }
        }
        progress(id, total, written);
        try (BundleWriter.LinksFile links = bundle.links()) {
            for (ChainHead head : closing.partitions()) {
                Iterator<StoredExecution> it = source.rows(head.partition(), after(anchor, head.partition()),
                        head.offset());
                while (it.hasNext()) {
                    StoredExecution s = it.next();
                    if (!population.contains(s.row().eventTime(), s.row().controlId())) {
                        links.write(s.link());
                    }
                }
            }
        }
        try (BundleWriter.CheckpointsFile checkpoints = bundle.checkpoints(anchor == null)) {
            Iterator<SignedCheckpoint> it = source.checkpoints(anchor == null ? 1 : anchor.sequence(),
                    closing.sequence());
            while (it.hasNext()) {
                checkpoints.write(it.next());
            }
        }
        Sha256 csvHash;
        try (BundleWriter.BundleFile csv = bundle.file("executions.csv")) {
            MessageDigest sha = Sha256.newDigest();
            csv.write(line(CSV_COLUMNS, sha));
            long lines = 0;
            for (ChainHead head : closing.partitions()) {
                Iterator<StoredExecution> it = source.rows(head.partition(), after(anchor, head.partition()),
                        head.offset());
                while (it.hasNext()) {
                    StoredExecution s = it.next();
                    if (population.contains(s.row().eventTime(), s.row().controlId())) {
                        csv.write(line(csvCells(s), sha));
                        lines++;
                    }
                }
            }
            csv.records(lines);
            csvHash = Sha256.of(sha.digest());
        }
        jsonLines(source, bundle, "failures.jsonl", "select row_to_json(f)::text from control_failure f "
                + "where f.event_time >= ? and f.event_time < ?" + scopeFilter(request, "f.control_id")
                + " order by f.event_time, f.execution_id", request, true);
        jsonLines(source, bundle, "findings.jsonl", "select (to_jsonb(f) || jsonb_build_object('history', "
                + "coalesce((select jsonb_agg(to_jsonb(h) order by h.at) from finding_history h "
                + "where h.finding_id = f.finding_id), '[]')))::text from finding f "
                + "where f.opened_at < ? and (f.resolved_at is null or f.resolved_at >= ?)"
                + scopeFilter(request, "f.control_id") + " order by f.opened_at, f.finding_id", request, false);
        jsonLines(source, bundle, "exemptions.jsonl", "select (to_jsonb(e) || jsonb_build_object('history', "
                + "coalesce((select jsonb_agg(to_jsonb(h) order by h.at) from exemption_history h "
                + "where h.exemption_id = e.exemption_id), '[]')))::text from exemption e "
                + "where e.requested_at < ? and coalesce(e.ended_at, e.expires_at) >= ?"
                + scopeFilter(request, "e.control_id") + " order by e.requested_at, e.exemption_id", request, false);
        jsonLines(source, bundle, "controls.jsonl", "select row_to_json(c)::text from control c where cast(? as timestamptz) is not null "
                + "and cast(? as timestamptz) is not null" + scopeFilter(request, "c.control_id") + " order by c.control_id", request, false);
        accessLog(source, bundle, request);
        packs(source, bundle, request);
        try (BundleWriter.BundleFile file = bundle.file("operating-effectiveness.json")) {
            file.write(NativeSql.json().writerWithDefaultPrettyPrinter().writeValueAsBytes(report));
            file.records(report.controls().size());
        }
        try (BundleWriter.BundleFile file = bundle.file("operating-effectiveness.csv")) {
            file.write(ReportResource.csv(report).getBytes(StandardCharsets.UTF_8));
            file.records(report.controls().size());
        }
        try (BundleWriter.BundleFile file = bundle.file("oscal/assessment-results.json")) {
            file.write(AssessmentResults.toJson(oscal(report, request, csvHash)));
        }
        return bundle.finish(new BundleWriter.Details(request.from(), request.to(), clock.instant(),
                request.requestedBy(), request.controls(), request.criteria(), Topics.EXECUTIONS));
    }

    private static long after(Checkpoint anchor, int partition) {
        return anchor == null ? -1 : anchor.head(partition).map(ChainHead::offset).orElse(-1L);
    }

    private static long countPopulation(Connection c, int partition, long after, long upTo, Request request)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("select count(*) from control_execution where chain_partition = ? "
                + "and chain_offset > ? and chain_offset <= ? and event_time >= ? and event_time < ?"
                + (request.scope().isEmpty() ? "" : " and control_id = any(?)"))) {
            s.setInt(1, partition);
            s.setLong(2, after);
            s.setLong(3, upTo);
            s.setTimestamp(4, Timestamp.from(request.from()));
            s.setTimestamp(5, Timestamp.from(request.to()));
            if (!request.scope().isEmpty()) {
                s.setArray(6, c.createArrayOf("text", request.scope().toArray()));
            }
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    private static String scopeFilter(Request request, String column) {
        return request.scope().isEmpty() ? "" : " and " + column + " = any(?)";
    }

    /** A query's JSON rows, one per line. Parameters: the period (from, to; or to, from) and the scope if any. */
    private static void jsonLines(JdbcEvidenceSource source, BundleWriter bundle, String name, String sql,
                                  Request request, boolean fromFirst) throws IOException {
        try (BundleWriter.BundleFile file = bundle.file(name)) {
            Iterator<String> lines = source.query(sql, s -> {
                try {
                    s.setTimestamp(1, Timestamp.from(fromFirst ? request.from() : request.to()));
                    s.setTimestamp(2, Timestamp.from(fromFirst ? request.to() : request.from()));
                    if (!request.scope().isEmpty()) {
                        s.setArray(3, s.getConnection().createArrayOf("text", request.scope().toArray()));
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }, r -> r.getString(1));
            long count = 0;
            while (lines.hasNext()) {
                file.write((lines.next() + "\n").getBytes(StandardCharsets.UTF_8));
                count++;
            }
            file.records(count);
        }
    }

    /**
     * Who read the evidence during the period (by access time), all of it whatever the export's scope: the access log
     * is not per control. As JSON lines and as CSV, both oldest first.
     */
    private static void accessLog(JdbcEvidenceSource source, BundleWriter bundle, Request request)
            throws IOException {
        String sql = "select " + AccessLog.columns() + " from access_log where at >= ? and at < ? "
                + "order by at, access_id";
        java.util.function.Consumer<PreparedStatement> period = s -> {
            try {
                s.setTimestamp(1, Timestamp.from(request.from()));
                s.setTimestamp(2, Timestamp.from(request.to()));
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        };
        try (BundleWriter.BundleFile file = bundle.file("access-log.jsonl")) {
            Iterator<AccessLog.Access> rows = source.query(sql, period, AccessLog::read);
            long count = 0;
            while (rows.hasNext()) {
                file.write(NativeSql.json().writeValueAsBytes(rows.next()));
                file.write(new byte[] {'\n'});
                count++;
            }
            file.records(count);
        }
        try (BundleWriter.BundleFile file = bundle.file("access-log.csv")) {
            MessageDigest ignored = Sha256.newDigest();
            file.write(line(ACCESS_CSV_COLUMNS, ignored));
            Iterator<AccessLog.Access> rows = source.query(sql, period, AccessLog::read);
            long count = 0;
            while (rows.hasNext()) {
                AccessLog.Access a = rows.next();
                file.write(line(Arrays.asList(a.accessId().toString(), a.at().toString(), a.principal(),
                        String.join(";", a.roles()), a.method(), a.route(), a.path(), a.query(),
                        a.periodFrom() == null ? null : a.periodFrom().toString(),
                        a.periodTo() == null ? null : a.periodTo().toString(), Integer.toString(a.status()),
                        a.rows() == null ? null : a.rows().toString()), ignored));
                count++;
            }
            file.records(count);
        }
    }

    /** A pack version in force in the period, as {@code packs.jsonl} lists it. */
    record PackInForce(String packVersion, String pack, String file, com.fasterxml.jackson.databind.JsonNode activations) {
    }

    /**
     * The control-pack versions in force in the period: those active at any time in it (by their activations) and
     * those that produced an execution of it. {@code packs.jsonl} lists them with their activations, and
     * {@code packs/<version>.yaml} holds each one's YAML, when the service has archived it ({@code file} null if not).
     */
    private static void packs(JdbcEvidenceSource source, BundleWriter bundle, Request request) throws IOException {
        String sql = """
                with activation as (
                    select pack_version, activated_at,
                           lead(activated_at) over (order by activated_at, pack_version) as replaced_at
                    from pack_activation),
                in_force as (
                    select pack_version from activation
                    where activated_at < ? and (replaced_at is null or replaced_at > ?)
                    union
                    select distinct pack_version from control_execution
                    where event_time >= ? and event_time < ? and pack_version is not null)
                select i.pack_version, v.pack, v.yaml is not null,
                       (select coalesce(json_agg(json_build_object('activatedAt', a.activated_at,
                                'activatedBy', a.activated_by, 'origin', a.origin) order by a.activated_at), '[]')
                        from pack_activation a where a.pack_version = i.pack_version)::text
                from in_force i left join pack_version v on v.pack_version = i.pack_version
                order by i.pack_version
                """;
        List<PackInForce> packs = new java.util.ArrayList<>();
        Iterator<PackInForce> rows = source.query(sql, s -> {
            try {
                s.setTimestamp(1, Timestamp.from(request.to()));
                s.setTimestamp(2, Timestamp.from(request.from()));
                s.setTimestamp(3, Timestamp.from(request.from()));
                s.setTimestamp(4, Timestamp.from(request.to()));
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }, r -> {
            try {
                return new PackInForce(r.getString(1), r.getString(2), r.getBoolean(3) ? packFile(r.getString(1))
                        : null, NativeSql.json().readTree(r.getString(4)));
            } catch (IOException e) {
                throw new SQLException(e);
            }
        });
        rows.forEachRemaining(packs::add);
        try (BundleWriter.BundleFile file = bundle.file("packs.jsonl")) {
            for (PackInForce p : packs) {
                file.write(NativeSql.json().writeValueAsBytes(p));
                file.write(new byte[] {'\n'});
            }
            file.records(packs.size());
        }
        for (PackInForce p : packs) {
            if (p.file() == null) {
                continue;
            }
            Iterator<String> yaml = source.query("select yaml from pack_version where pack_version = ?", s -> {
                try {
                    s.setString(1, p.packVersion());
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }, r -> r.getString(1));
            try (BundleWriter.BundleFile file = bundle.file(p.file())) {
                file.write(yaml.next().getBytes(StandardCharsets.UTF_8));
                file.records(1);
            }
        }
    }

    /** {@code packs/<version>.yaml}, the version reduced to characters safe in any file system. */
    static String packFile(String version) {
        return "packs/" + version.replaceAll("[^A-Za-z0-9._-]", "_") + ".yaml";
    }

    private static List<String> csvCells(StoredExecution s) {
        EvidenceRow r = s.row();
        return Arrays.asList(r.executionId(), r.controlId(), r.controlVersion(), String.join(";", r.criteria()),
                r.severity(), r.result(), r.reason(), r.message(), r.subject(), r.eventId(), r.eventSource(),
                r.eventType(), r.eventTime().toString(), r.ingestTime().toString(), r.evaluatedAt().toString(),
                r.pack(), r.packVersion(), String.join(";", r.evidenceEventIds()), Boolean.toString(r.late()),
                Boolean.toString(r.backfilled()), r.submitter(), r.exemptionId(), Integer.toString(s.partition()),
                Long.toString(s.offset()), s.recordedDigest() == null ? null : s.recordedDigest().hex(),
                s.recordedAt() == null ? null : s.recordedAt().toString());
    }

    private static byte[] line(List<String> cells, MessageDigest sha) {
        byte[] bytes = (cells.stream().map(c -> c == null ? "" : ReportResource.cell(c))
                .collect(Collectors.joining(",")) + "\r\n").getBytes(StandardCharsets.UTF_8);
        sha.update(bytes);
        return bytes;
    }

    /** The report of the period (all controls, narrowed to the scope), computed on a Vert.x context. */
    private OperatingEffectiveness report(Request request) throws Exception {
        CompletableFuture<OperatingEffectiveness> result = new CompletableFuture<>();
        // Hibernate Reactive runs on a Vert.x context of its own, flagged safe (isolated) as a request's would be
        io.vertx.core.Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
        VertxContextSafetyToggle.setContextSafe(context, true);
        context.runOnContext(ignored -> {
            try {
                Panache.withSession(() -> reports.report(request.from(), request.to(), null, null))
                        .subscribe().with(result::complete, result::completeExceptionally);
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        OperatingEffectiveness all = result.get(10, TimeUnit.MINUTES);
        if (request.scope().isEmpty()) {
            return all;
        }
        Set<String> scope = Set.copyOf(request.scope());
        return new OperatingEffectiveness(all.from(), all.to(), all.days(),
                all.controls().stream().filter(c -> scope.contains(c.controlId())).toList(),
                all.criteria().stream().filter(k -> all.controls().stream()
                        .anyMatch(c -> scope.contains(c.controlId()) && c.criteria().contains(k.criterion())))
                        .toList());
    }

    private io.controlwatch.evidence.oscal.OperatingEffectiveness oscal(OperatingEffectiveness report,
                                                                        Request request, Sha256 csvHash) {
        Set<String> criteria = new TreeSet<>(request.criteria());
        List<ControlResult> controls = report.controls().stream().map(c -> {
            criteria.addAll(c.criteria());
            return new ControlResult(c.controlId(), c.title(), c.criteria(), null,
                    c.versions().stream().map(OperatingEffectiveness.VersionSeen::version).toList(), c.population(),
                    c.passes(), c.failures(), c.errors(), c.exceptionRate() == null ? 0 : c.exceptionRate(),
                    c.findingsOpened(), c.findingsResolved(), c.findingsOpenAtEnd());
        }).toList();
        return new io.controlwatch.evidence.oscal.OperatingEffectiveness(request.from(), request.to(),
                clock.instant(), null, "ControlWatch " + version(), List.copyOf(criteria), controls, List.of(),
                "../executions.csv", csvHash);
    }

    private static String version() {
        String v = BundleExport.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }

    /**
     * Takes the export from QUEUED to WAITING (its start) or finds it WAITING, and answers its request; null when
     * it is in neither state any more (the stale-export sweep failed it).
     */
    private Request begin(UUID id) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("update evidence_export set state = 'WAITING', "
                     + "started_at = coalesce(started_at, ?), updated_at = now() where export_id = ? "
                     + "and state in ('QUEUED', 'WAITING') returning period_from, period_to, controls, criteria, "
                     + "scope, requested_by, started_at")) {
            s.setTimestamp(1, Timestamp.from(clock.instant())); // the clock the wait's deadline is judged by
            s.setObject(2, id);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    return null;
                }
                return new Request(r.getTimestamp(1).toInstant(), r.getTimestamp(2).toInstant(),
                        strings(r.getArray(3)), strings(r.getArray(4)), strings(r.getArray(5)), r.getString(6),
                        r.getTimestamp(7).toInstant());
            }
        }
    }

    /** WAITING to RUNNING: false when the export is no longer waiting. */
    private boolean running(UUID id) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("update evidence_export set state = 'RUNNING', "
                     + "updated_at = now() where export_id = ? and state = 'WAITING'")) {
            s.setObject(1, id);
            return s.executeUpdate() == 1;
        }
    }

    private static List<String> strings(Array array) throws SQLException {
        return array == null ? List.of() : List.copyOf(new LinkedHashSet<>(Arrays.asList((String[]) array.getArray())));
    }

    private void progress(UUID id, long total, long written) {
        execute("update evidence_export set rows_total = ?, rows_written = ?, updated_at = now() "
                + "where export_id = ? and state = 'RUNNING'", total, written, id);
    }

    private void finish(UUID id, Path file, String sha256, String manifest) throws IOException {
        // finished_at on the service's clock: the retention (CW_EXPORTS_RETENTION) is judged by it
        execute("update evidence_export set state = 'DONE', finished_at = ?, updated_at = now(), "
                + "bundle_file = ?, bundle_bytes = ?, bundle_sha256 = ?, manifest = cast(? as jsonb) "
                + "where export_id = ?", java.time.OffsetDateTime.ofInstant(clock.instant(), java.time.ZoneOffset.UTC),
                file.getFileName().toString(), Files.size(file), sha256, manifest, id);
    }

    private void fail(UUID id, String reason) {
        try {
            execute("update evidence_export set state = 'FAILED', finished_at = now(), updated_at = now(), error = ? "
                    + "where export_id = ? and state in ('QUEUED', 'WAITING', 'RUNNING')", reason, id);
        } catch (RuntimeException e) {
            // the stale-export sweep marks it FAILED once it stops beating
        }
    }

    private void execute(String sql, Object... params) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("updating export " + params[params.length - 1] + " failed: "
                    + e.getMessage(), e);
        }
    }

}
