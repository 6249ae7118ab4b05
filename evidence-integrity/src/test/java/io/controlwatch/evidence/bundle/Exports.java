package io.controlwatch.evidence.bundle;

import io.controlwatch.evidence.Checkpoint;
import io.controlwatch.evidence.EvidenceStore;
import io.controlwatch.evidence.KeyRing;
import io.controlwatch.evidence.SignedCheckpoint;
import io.controlwatch.evidence.StoredExecution;
import io.controlwatch.evidence.verify.Population;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Exports a period from an in-memory evidence store the way the alerting service does from PostgreSQL: choose the
 * checkpoints with {@link ExportRange}, write the period's rows in full and the rest of the range as links.
 * Test fixture.
 */
public final class Exports {

    private Exports() {
    }

    /** The export's inputs: rows per partition (possibly tampered with) and the checkpoints (possibly too). */
    public record Source(Map<Integer, List<StoredExecution>> rows, List<SignedCheckpoint> checkpoints) {
        public static Source of(EvidenceStore store) {
            Map<Integer, List<StoredExecution>> rows = new HashMap<>();
            for (StoredExecution s : store.allRows()) {
                rows.computeIfAbsent(s.partition(), p -> new ArrayList<>()).add(s);
            }
            return new Source(rows, new ArrayList<>(store.checkpoints()));
        }
    }

    public static Manifest write(Source source, Population population, KeyRing keys, Path zip) throws IOException {
        // the last row of the period per partition (the service: max(chain_offset) ... group by chain_partition)
        Map<Integer, Long> lastOffsets = new HashMap<>();
        source.rows().forEach((p, rows) -> rows.stream()
                .filter(s -> population.contains(s.row().eventTime(), s.row().controlId()))
                .mapToLong(StoredExecution::offset).max().ifPresent(o -> lastOffsets.put(p, o)));
        ExportRange range = new ExportRange(population.from(), population.to(), lastOffsets);
        for (SignedCheckpoint c : source.checkpoints()) {
            if (!range.offer(c.checkpoint())) {
                break;
            }
        }
        Checkpoint anchor = range.anchor();
        Checkpoint closing = range.closing();
        if (closing == null) {
            throw new IllegalStateException("no checkpoint covers the period yet");
        }
        List<StoredExecution> inRange = new ArrayList<>();
        source.rows().forEach((p, rows) -> {
            long after = anchor == null ? -1 : anchor.head(p).map(h -> h.offset()).orElse(-1L);
            long upTo = closing.head(p).map(h -> h.offset()).orElse(-1L);
            rows.stream().filter(s -> s.offset() > after && s.offset() <= upTo).forEach(inRange::add);
        });
        // chain order, as the service reads: order by chain_partition, chain_offset
        inRange.sort(Comparator.comparingInt(StoredExecution::partition).thenComparingLong(StoredExecution::offset));

        try (OutputStream out = Files.newOutputStream(zip); BundleWriter bundle = new BundleWriter(out, keys)) {
            long population1 = 0;
            try (BundleWriter.ExecutionsFile rows = bundle.executions()) {
                for (StoredExecution s : inRange) {
                    if (population.contains(s.row().eventTime(), s.row().controlId())) {
                        rows.write(s);
                        population1++;
                    }
                }
            }
            try (BundleWriter.LinksFile links = bundle.links()) {
                for (StoredExecution s : inRange) {
                    if (!population.contains(s.row().eventTime(), s.row().controlId())) {
                        links.write(s.link());
                    }
                }
            }
            try (BundleWriter.CheckpointsFile cps = bundle.checkpoints(anchor == null)) {
                long first = anchor == null ? 1 : anchor.sequence();
                for (SignedCheckpoint c : source.checkpoints()) {
                    long seq = c.checkpoint().sequence();
                    if (seq >= first && seq <= closing.sequence()) {
                        cps.write(c);
                    }
                }
            }
            try (BundleWriter.BundleFile csv = bundle.file("executions.csv")) {
                csv.write("execution_id,control_id,result,event_time\n".getBytes(StandardCharsets.UTF_8));
                for (StoredExecution s : inRange) {
                    if (population.contains(s.row().eventTime(), s.row().controlId())) {
                        csv.write((s.row().executionId() + "," + s.row().controlId() + "," + s.row().result() + ","
                                + s.row().eventTime() + "\n").getBytes(StandardCharsets.UTF_8));
                    }
                }
                csv.records(population1);
            }
            return bundle.finish(new BundleWriter.Details(population.from(), population.to(),
                    Instant.parse("2026-06-01T00:00:00Z"), "auditor:alice", List.copyOf(population.controls()),
                    List.of(), EvidenceStore.TOPIC));
        }
    }

    /** Rewrites one file of a bundle (what someone does with a ZIP tool after the export). */
    public static void edit(Path zip, String name, java.util.function.UnaryOperator<byte[]> edit) throws IOException {
        Map<String, byte[]> entries = new java.util.LinkedHashMap<>();
        try (var in = new java.util.zip.ZipInputStream(Files.newInputStream(zip))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                entries.put(e.getName(), in.readAllBytes());
            }
        }
        if (!entries.containsKey(name)) {
            throw new IllegalArgumentException("no " + name);
        }
        entries.put(name, edit.apply(entries.get(name)));
        if (entries.get(name) == null) {
            entries.remove(name);
        }
        try (var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip))) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                out.putNextEntry(new java.util.zip.ZipEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
    }

    /** Adds a file to a bundle. */
    public static void add(Path zip, String name, byte[] content) throws IOException {
        Map<String, byte[]> entries = new java.util.LinkedHashMap<>();
        try (var in = new java.util.zip.ZipInputStream(Files.newInputStream(zip))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                entries.put(e.getName(), in.readAllBytes());
            }
        }
        entries.put(name, content);
        try (var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip))) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                out.putNextEntry(new java.util.zip.ZipEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
    }

    static Set<String> none() {
        return Set.of();
    }
}
