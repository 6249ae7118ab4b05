package io.controlwatch.evidence.bench;

import io.controlwatch.evidence.ChainHead;
import io.controlwatch.evidence.Checkpoint;
import io.controlwatch.evidence.EvidenceRow;
import io.controlwatch.evidence.KeyRing;
import io.controlwatch.evidence.SignedCheckpoint;
import io.controlwatch.evidence.SigningKey;
import io.controlwatch.evidence.StoredExecution;
import io.controlwatch.evidence.bundle.BundleReport;
import io.controlwatch.evidence.bundle.BundleVerifier;
import io.controlwatch.evidence.bundle.BundleWriter;
import io.controlwatch.evidence.bundle.ExportRange;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes and verifies a bundle of N generated executions, streaming, to show memory stays bounded and to measure
 * rates. Run it under a small heap: {@code bench/evidence-bundle.sh} (1,000,000 rows, -Xmx64m); StreamingBundleIT
 * runs it smaller in every build. The rows are generated, never held: pass 1 chains them all and checkpoints every
 * {@value #CHECKPOINT_EVERY} rows; pass 2 writes the bundle (re-deriving each row's recorded digest and head, which
 * the service reads from PostgreSQL instead, so the write rate is pessimistic); pass 3 verifies it.
 *
 * <p>Prints one line: {@code RESULT rows=… chain_rows_per_s=… write_rows_per_s=… verify_rows_per_s=… bundle_mib=…
 * peak_heap_mib=… max_heap_mib=… verified=true}.
 */
public final class BundleBench {

    static final String TOPIC = "cw.executions.v1";
    static final int CHECKPOINT_EVERY = 10_000;
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final String[] CONTROLS = {"cc6.1-console-login-mfa", "cc6.2-privileged-role-granted",
            "cc7.2-failed-logins-threshold", "cc8.1-pr-reviewed", "a1.2-backup-completed"};

    private BundleBench() {
    }

    public static void main(String[] args) throws IOException {
        long rows = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        int partitions = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        Path zip = args.length > 2 ? Path.of(args[2]) : Files.createTempFile("bundle-bench", ".zip");
        resetPeaks();

        // pass 1: the chain as the service builds it while storing, with a checkpoint every CHECKPOINT_EVERY rows
        SigningKey key = SigningKey.generate();
        List<ChainHead> heads = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            heads.add(ChainHead.genesis(TOPIC, p));
        }
        List<SignedCheckpoint> checkpoints = new ArrayList<>();
        long start = System.nanoTime();
        for (long i = 0; i < rows; i++) {
            int p = (int) (i % partitions);
            heads.set(p, heads.get(p).append(offset(i, partitions), row(i)));
            if ((i + 1) % CHECKPOINT_EVERY == 0 || i == rows - 1) {
                checkpoints.add(Checkpoint.next(checkpoints.isEmpty() ? null : checkpoints.get(checkpoints.size() - 1),
                        TOPIC, time(i).plusSeconds(1), heads, key));
            }
        }
        double chainSeconds = seconds(start);

        // the period: the middle 90 % of the rows by event time; the rest of the exported range goes as links
        Instant from = time(rows / 20);
        Instant to = time(rows - rows / 20);
        Map<Integer, Long> lastOffsets = new HashMap<>();
        for (long i = Math.max(0, rows - rows / 20 - partitions); i < rows - rows / 20; i++) {
            lastOffsets.merge((int) (i % partitions), offset(i, partitions), Math::max);
        }
        ExportRange range = new ExportRange(from, to, lastOffsets);
        for (SignedCheckpoint c : checkpoints) {
            if (!range.offer(c.checkpoint())) {
                break;
            }
        }
        Checkpoint anchor = range.anchor();
        Checkpoint closing = range.closing();

        // pass 2: the bundle, streamed partition by partition in chain order
        start = System.nanoTime();
        long exported = 0;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(zip), 1 << 16);
             BundleWriter bundle = new BundleWriter(out, KeyRing.signingWith(key, List.of()))) {
            try (BundleWriter.ExecutionsFile file = bundle.executions()) {
                exported += forEachInRange(rows, partitions, anchor, closing, s -> {
                    if (inPeriod(s, from, to)) {
                        file.write(s);
                    }
                });
            }
            try (BundleWriter.LinksFile file = bundle.links()) {
                forEachInRange(rows, partitions, anchor, closing, s -> {
                    if (!inPeriod(s, from, to)) {
                        file.write(s.link());
                    }
                });
            }
            try (BundleWriter.CheckpointsFile file = bundle.checkpoints(anchor == null)) {
                for (SignedCheckpoint c : checkpoints) {
                    long seq = c.checkpoint().sequence();
                    if ((anchor == null || seq >= anchor.sequence()) && seq <= closing.sequence()) {
                        file.write(c);
                    }
                }
            }
            bundle.finish(new BundleWriter.Details(from, to, Instant.now(), "bench", List.of(), List.of(), TOPIC));
        }
        double writeSeconds = seconds(start);

        // pass 3: the offline verifier over the bundle
        start = System.nanoTime();
        BundleReport report = BundleVerifier.verify(zip, BundleVerifier.Trust.keys(List.of(key.publicKey())));
        double verifySeconds = seconds(start);
        long verifiedEntries = report.summary().rows() + report.summary().links();

        System.out.printf(Locale.ROOT, "RESULT rows=%d partitions=%d exported=%d chain_rows_per_s=%.0f "
                        + "write_rows_per_s=%.0f verify_rows_per_s=%.0f bundle_mib=%.1f peak_heap_mib=%.1f "
                        + "max_heap_mib=%d verified=%s discrepancies=%d%n",
                rows, partitions, exported, rows / chainSeconds, exported / writeSeconds,
                verifiedEntries / verifySeconds, Files.size(zip) / 1048576.0, peakHeapMib(),
                Runtime.getRuntime().maxMemory() / 1048576, report.verified(), report.discrepancyCount());
        report.discrepancies().stream().limit(5).forEach(d -> System.out.println("  " + d));
        if (args.length <= 2) {
            Files.delete(zip);
        }
        System.exit(report.verified() ? 0 : 1);
    }

    interface RowSink {
        void accept(StoredExecution s) throws IOException;
    }

    /** Regenerates the rows of the exported range, partition by partition in offset order, with their chain columns. */
    private static long forEachInRange(long rows, int partitions, Checkpoint anchor, Checkpoint closing, RowSink sink)
            throws IOException {
        long count = 0;
        for (int p = 0; p < partitions; p++) {
            ChainHead head = ChainHead.genesis(TOPIC, p);
            long after = anchor == null ? -1 : anchor.head(p).map(ChainHead::offset).orElse(-1L);
            long upTo = closing.head(p).map(ChainHead::offset).orElse(-1L);
            for (long i = p; i < rows; i += partitions) {
                long offset = offset(i, partitions);
                if (offset > upTo) {
                    break;
                }
                ChainHead.Appended a = head.appendStored(offset, row(i), null);
                head = a.head();
                if (offset > after) {
                    sink.accept(a.stored());
                    count++;
                }
            }
        }
        return count;
    }

    private static boolean inPeriod(StoredExecution s, Instant from, Instant to) {
        Instant t = s.row().eventTime();
        return !t.isBefore(from) && t.isBefore(to);
    }

    /** Every other offset: transaction markers take the rest, as with the evaluation service's transactions. */
    private static long offset(long i, int partitions) {
        return 2 * (i / partitions);
    }

    private static Instant time(long i) {
        return T0.plusSeconds(i);
    }

    /** A realistic row (~420 bytes of JSON): ids, a subject, a reason on failures. */
    static EvidenceRow row(long i) {
        String hex = Long.toHexString(i);
        String id = "00000000-0000-4000-8000-" + "0".repeat(12 - hex.length()) + hex;
        String control = CONTROLS[(int) (i % CONTROLS.length)];
        boolean fail = i % 17 == 3;
        Instant t = time(i);
        return new EvidenceRow(id, control, "sha256:3f9a1c0e", List.of("CC6.1", "CC7.2"), "high",
                fail ? "FAIL" : "PASS", fail ? "login without MFA from an unmanaged device" : null, null,
                "user:u" + (i % 2000) + "@example.com", "evt-" + i, "urn:controlwatch:source:okta", "auth.login", t,
                t.plusMillis(120), t.plusMillis(180), "soc2-core", "1.4.0", List.of("evt-" + i), false, false,
                "source:okta", null);
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static void resetPeaks() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
    }

    /** Sum of the heap pools' peaks: an upper bound of the heap ever in use (peaks need not coincide). */
    private static double peakHeapMib() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak / 1048576.0;
    }
}
