package io.controlwatch.alerting.bench;

import io.controlwatch.evidence.ChainHead;
import io.controlwatch.evidence.EvidenceRow;
import io.controlwatch.evidence.StoredExecution;
import io.controlwatch.model.Topics;
import io.controlwatch.testsupport.TestTokens;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.LongFunction;

/**
 * Loads N chained executions into the alerting service's (migrated) database for {@code bench/export-benchmark.sh},
 * through the project's own chain code ({@link ChainHead#appendStored}, as the service's EvidenceChainer does while
 * storing), with PostgreSQL COPY; then sets the chain heads, so the running service signs the checkpoint that covers
 * them. With {@code token work-dir}, writes instead a JWT public key for the service and an auditor token it accepts.
 *
 * <p>Arguments: jdbc-url user rows partitions. Prints {@code LOADED rows=… seconds=… rows_per_s=… from=… to=…}.
 */
public final class ExportBenchLoad {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final String[] CONTROLS = {"cc6.1-console-login-mfa", "cc6.2-privileged-role-granted",
            "cc7.2-failed-logins-threshold", "cc8.1-pr-reviewed", "a1.2-backup-completed"};
    static final int BATCH = 50_000;

    private ExportBenchLoad() {
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("token")) {
            // the JWT public key the service is to trust, and an auditor token signed with its private half
            // (random per JVM: both come from this one run)
            Path work = Path.of(args[1]);
            Files.writeString(work.resolve("jwt-public.pem"), Files.readString(TestTokens.publicKeyFile()));
            Files.writeString(work.resolve("auditor.token"), TestTokens.withRoles("auditor"));
            return;
        }
        String url = args[0];
        String user = args[1];
        long rows = Long.parseLong(args[2]);
        int partitions = Integer.parseInt(args[3]);

        long start = System.nanoTime();
        try (Connection c = DriverManager.getConnection(url, user, "")) {
            for (String control : CONTROLS) {
                control(c, control, "Bench control " + control, List.of("CC6.1", "CC7.2"), "high", null);
            }
            copyExecutions(c, rows, partitions, ExportBenchLoad::row);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "LOADED rows=%d partitions=%d seconds=%.1f rows_per_s=%.0f from=%s to=%s%n",
                rows, partitions, seconds, rows / seconds, T0, T0.plusSeconds(rows).plusSeconds(1));
    }

    /** A control of the catalogue, as the service records the first execution of one (counters zero until set). */
    static void control(Connection c, String id, String title, List<String> criteria, String severity, String owner)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("insert into control (control_id, version, title, criteria, "
                + "severity, owner, pack, pack_version, updated_at) values (?, 'sha256:bench', ?, ?, ?, ?, "
                + "'soc2-core', 'sha256:benchpack', now()) on conflict do nothing")) {
            s.setString(1, id);
            s.setString(2, title);
            s.setArray(3, c.createArrayOf("text", criteria.toArray()));
            s.setString(4, severity);
            s.setString(5, owner);
            s.executeUpdate();
        }
    }

    /**
     * Copies executions 0 … rows-1 (made by {@code row}) into control_execution, chained per partition as the
     * service's EvidenceChainer chains them, then sets the chain heads.
     */
    static void copyExecutions(Connection c, long rows, int partitions, LongFunction<EvidenceRow> row)
            throws SQLException, IOException {
        CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
        String sql = "copy control_execution (execution_id, control_id, control_version, criteria, severity, "
                + "result, reason, message, subject, event_id, event_source, event_type, event_time, ingest_time, "
                + "evaluated_at, pack, pack_version, evidence_event_ids, late, backfilled, submitter, exemption_id, "
                + "chain_partition, chain_offset, row_digest, chain_head, recorded_at) from stdin";
        List<ChainHead> heads = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            heads.add(ChainHead.genesis(Topics.EXECUTIONS, p));
        }
        StringBuilder batch = new StringBuilder(BATCH * 700);
        for (long i = 0; i < rows; i++) {
            int p = (int) (i % partitions);
            long offset = 2 * (i / partitions); // every other offset: transaction markers take the rest
            EvidenceRow r = row.apply(i);
            ChainHead.Appended a = heads.get(p).appendStored(offset, r, r.eventTime().plusSeconds(1));
            heads.set(p, a.head());
            line(batch, a.stored());
            if ((i + 1) % BATCH == 0 || i == rows - 1) {
                copy.copyIn(sql, new StringReader(batch.toString()));
                batch.setLength(0);
            }
        }
        for (ChainHead h : heads) {
            try (PreparedStatement s = c.prepareStatement("insert into evidence_chain_head (chain_partition, "
                    + "chain_offset, row_count, head, max_event_time) values (?, ?, ?, ?, ?)")) {
                s.setInt(1, h.partition());
                s.setLong(2, h.offset());
                s.setLong(3, h.count());
                s.setBytes(4, HexFormat.of().parseHex(h.head().hex()));
                s.setTimestamp(5, Timestamp.from(h.maxEventTime()));
                s.executeUpdate();
            }
        }
    }

    /** The id of execution i (a version-4-shaped UUID that names its index, so loaders can refer to it). */
    static String executionId(long i) {
        return new UUID(0x0000000000004000L, 0x8000000000000000L | i).toString();
    }

    /** Execution i: one per second from T0, the shipped pack's controls in turn, a fifth of them failing. */
    static EvidenceRow row(long i) {
        String control = CONTROLS[(int) (i % CONTROLS.length)];
        boolean fail = i % 5 == 0;
        Instant t = T0.plusSeconds(i);
        String event = "evt-" + i;
        return new EvidenceRow(executionId(i), control,
                "sha256:bench", List.of("CC6.1", "CC7.2"), "high", fail ? "FAIL" : "PASS",
                fail ? "violated: mfa" : null, null, "user:u" + (i % 2000) + "@example.com", event,
                "urn:controlwatch:source:okta", "auth.login", t, t.plusMillis(120), t.plusMillis(180), "soc2-core",
                "sha256:benchpack", List.of(event), false, false, "source:okta", null);
    }

    static void line(StringBuilder b, StoredExecution s) {
        EvidenceRow r = s.row();
        b.append(r.executionId()).append('\t').append(r.controlId()).append('\t').append(r.controlVersion())
                .append('\t').append('{').append(String.join(",", r.criteria())).append('}')
                .append('\t').append(r.severity()).append('\t').append(r.result())
                .append('\t').append(nullable(r.reason())).append('\t').append(nullable(r.message()))
                .append('\t').append(nullable(r.subject())).append('\t').append(r.eventId())
                .append('\t').append(r.eventSource()).append('\t').append(r.eventType())
                .append('\t').append(r.eventTime()).append('\t').append(r.ingestTime())
                .append('\t').append(r.evaluatedAt()).append('\t').append(nullable(r.pack()))
                .append('\t').append(nullable(r.packVersion()))
                .append('\t').append("[\"").append(String.join("\",\"", r.evidenceEventIds())).append("\"]")
                .append('\t').append(r.late()).append('\t').append(r.backfilled())
                .append('\t').append(nullable(r.submitter())).append('\t').append(nullable(r.exemptionId()))
                .append('\t').append(s.partition()).append('\t').append(s.offset())
                .append('\t').append("\\\\x").append(s.recordedDigest().hex())
                .append('\t').append("\\\\x").append(s.recordedHead().hex())
                .append('\t').append(s.recordedAt()).append('\n');
    }

    static String nullable(String value) {
        return value == null ? "\\N" : value;
    }
}
