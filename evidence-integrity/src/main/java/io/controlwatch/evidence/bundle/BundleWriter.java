package io.controlwatch.evidence.bundle;

import com.fasterxml.jackson.core.JsonGenerator;
import io.controlwatch.evidence.ChainLink;
import io.controlwatch.evidence.KeyRing;
import io.controlwatch.evidence.Sha256;
import io.controlwatch.evidence.SignedCheckpoint;
import io.controlwatch.evidence.StoredExecution;
import io.controlwatch.evidence.internal.Json;

import java.io.Closeable;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes an evidence bundle as a ZIP, streaming: each file is hashed while it is written into the ZIP, so memory
 * stays bounded however many rows a period holds. Files are written one at a time; {@link #finish} then writes
 * {@code public-keys.pem}, {@code manifest.json} and {@code manifest.sig}.
 *
 * <pre>{@code
 * try (BundleWriter bundle = new BundleWriter(out, keyRing)) {
 *     try (ExecutionsFile rows = bundle.executions()) { for (StoredExecution e : population) rows.write(e); }
 *     try (LinksFile links = bundle.links()) { for (ChainLink l : outside) links.write(l); }
 *     try (CheckpointsFile cps = bundle.checkpoints(false)) { for (SignedCheckpoint c : covering) cps.write(c); }
 *     try (BundleFile csv = bundle.file("executions.csv")) { ...; csv.records(n); }
 *     bundle.finish(details);
 * }
 * }</pre>
 *
 * Entries carry a fixed timestamp, so the same content always gives the same bytes.
 */
public final class BundleWriter implements Closeable {

    private static final LocalDateTime ENTRY_TIME = LocalDateTime.of(1980, 1, 1, 0, 0);

    private final ZipOutputStream zip;
    private final KeyRing keys;
    private final Map<String, Sha256> files = new LinkedHashMap<>();
    private final Map<String, Long> counts = new TreeMap<>();
    private BundleFile open;
    private Manifest.CheckpointRange checkpointRange;
    private boolean finished;

    /** @param keys the ring whose current key signs the manifest; all its public keys go into the bundle */
    public BundleWriter(OutputStream out, KeyRing keys) {
        this.keys = Objects.requireNonNull(keys, "keys");
        keys.current(); // fails early for a verification-only ring
        this.zip = new ZipOutputStream(Objects.requireNonNull(out, "out"), StandardCharsets.UTF_8);
    }

    /** What the manifest says besides files and counts. */
    public record Details(Instant periodFrom, Instant periodTo, Instant generatedAt, String generatedBy,
                          List<String> controls, List<String> criteria, String topic) {
    }

    /** Opens a file of the bundle; close it before opening the next. */
    public BundleFile file(String name) throws IOException {
        BundleFiles.requireValidName(name);
        if (files.containsKey(name)) {
            throw new IllegalArgumentException(name + " is already in the bundle");
        }
        if (open != null) {
            throw new IllegalStateException(open.name + " is still open");
        }
        if (finished) {
            throw new IllegalStateException("the bundle is finished");
        }
        ZipEntry entry = new ZipEntry(name);
        entry.setTimeLocal(ENTRY_TIME);
        zip.putNextEntry(entry);
        open = new BundleFile(name);
        return open;
    }

    /** Opens {@code executions.jsonl}: the population, in chain order. */
    public ExecutionsFile executions() throws IOException {
        return new ExecutionsFile(file(BundleFiles.EXECUTIONS_JSONL));
    }

    /** Opens {@code evidence-chain.jsonl}: the rest of the exported chain range, as links, in chain order. */
    public LinksFile links() throws IOException {
        return new LinksFile(file(BundleFiles.CHAIN_LINKS));
    }

    /**
     * Opens {@code checkpoints.jsonl}: consecutive signed checkpoints, from the last one before the period's first
     * row (unless {@code fromGenesis}) to the first one after its last.
     *
     * @param fromGenesis true when the exported rows start at the beginning of every partition's chain
     */
    public CheckpointsFile checkpoints(boolean fromGenesis) throws IOException {
        return new CheckpointsFile(file(BundleFiles.CHECKPOINTS), fromGenesis);
    }

    /** Writes the key file, the manifest and its signature, and finishes the ZIP (the output stays open). */
    public Manifest finish(Details details) throws IOException {
        if (open != null) {
            throw new IllegalStateException(open.name + " is still open");
        }
        for (String required : List.of(BundleFiles.EXECUTIONS_JSONL, BundleFiles.CHAIN_LINKS,
                BundleFiles.CHECKPOINTS)) {
            if (!files.containsKey(required)) {
                throw new IllegalStateException("a bundle needs " + required);
            }
        }
        try (BundleFile keyFile = file(BundleFiles.PUBLIC_KEYS)) {
            keyFile.write(keys.publicKeysPem().getBytes(StandardCharsets.US_ASCII));
        }
        Manifest manifest = new Manifest(details.periodFrom(), details.periodTo(), details.generatedAt(),
                details.generatedBy(), details.controls(), details.criteria(), details.topic(), checkpointRange,
                new TreeMap<>(counts), new TreeMap<>(files), keys.current().keyId());
        byte[] bytes = manifest.toBytes();
        writeRaw(BundleFiles.MANIFEST, bytes);
        writeRaw(BundleFiles.MANIFEST_SIGNATURE, (Base64.getEncoder().encodeToString(keys.current().sign(bytes))
                + "\n").getBytes(StandardCharsets.US_ASCII));
        zip.finish();
        finished = true;
        return manifest;
    }

    /** Finishes the ZIP if {@link #finish} was not called (the bundle then has no manifest and will not verify). */
    @Override
    public void close() throws IOException {
        if (!finished) {
            finished = true;
            zip.finish();
        }
    }

    private void writeRaw(String name, byte[] bytes) throws IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setTimeLocal(ENTRY_TIME);
        zip.putNextEntry(entry);
        zip.write(bytes);
        zip.closeEntry();
    }

    /** One file being written: hashes what passes through; closing it closes the ZIP entry, not the ZIP. */
    public final class BundleFile extends FilterOutputStream {
        private final String name;
        private final MessageDigest sha = Sha256.newDigest();
        private long records = -1;
        private boolean closed;

        private BundleFile(String name) {
            super(zip);
            this.name = name;
        }

        /** The number of records to state in the manifest's counts (omitted when never set). */
        public void records(long count) {
            if (count < 0) {
                throw new IllegalArgumentException("negative count");
            }
            this.records = count;
        }

        @Override
        public void write(int b) throws IOException {
            zip.write(b);
            sha.update((byte) b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            zip.write(b, off, len);
            sha.update(b, off, len);
        }

        @Override
        public void flush() {
            // the ZIP stream flushes when the entry closes; flushing the deflater early only costs ratio
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            zip.closeEntry();
            files.put(name, Sha256.of(sha.digest()));
            if (records >= 0) {
                counts.put(name, records);
            }
            open = null;
        }
    }

    /** Chain-ordered JSON Lines writer shared by the population and the links. */
    private abstract static class ChainOrderedLines implements Closeable {
        final BundleFile file;
        final JsonGenerator json;
        private long lines;
        private int lastPartition = Integer.MIN_VALUE;
        private long lastOffset = Long.MIN_VALUE;

        ChainOrderedLines(BundleFile file) throws IOException {
            this.file = file;
            this.json = Json.MAPPER.getFactory().createGenerator(file);
            // a JsonGenerator must not close the entry stream: the writer does, after the last line
            this.json.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        }

        void order(int partition, long offset) {
            if (partition < lastPartition || (partition == lastPartition && offset <= lastOffset)) {
                throw new IllegalStateException("not in chain order: partition " + partition + ", offset " + offset
                        + " after partition " + lastPartition + ", offset " + lastOffset
                        + " (read rows ordered by partition, then offset)");
            }
            lastPartition = partition;
            lastOffset = offset;
        }

        void endLine() throws IOException {
            json.writeRaw('\n');
            lines++;
        }

        public long lines() {
            return lines;
        }

        @Override
        public void close() throws IOException {
            json.close();
            file.records(lines);
            file.close();
        }
    }

    /** {@code executions.jsonl}. */
    public static final class ExecutionsFile extends ChainOrderedLines {
        private ExecutionsFile(BundleFile file) throws IOException {
            super(file);
        }

        public void write(StoredExecution execution) throws IOException {
            order(execution.partition(), execution.offset());
            EvidenceLines.writeExecution(json, execution);
            endLine();
        }
    }

    /** {@code evidence-chain.jsonl}. */
    public static final class LinksFile extends ChainOrderedLines {
        private LinksFile(BundleFile file) throws IOException {
            super(file);
        }

        public void write(ChainLink link) throws IOException {
            order(link.partition(), link.offset());
            EvidenceLines.writeLink(json, link);
            endLine();
        }
    }

    /**
     * {@code checkpoints.jsonl}: checkpoints in sequence order. A gap (a checkpoint missing from the store) is written
     * as it is: the verifier reports it; refusing here would hide the finding from the auditor.
     */
    public final class CheckpointsFile implements Closeable {
        private final BundleFile file;
        private final boolean fromGenesis;
        private long first = -1;
        private long last = -1;
        private long count;

        private CheckpointsFile(BundleFile file, boolean fromGenesis) {
            this.file = file;
            this.fromGenesis = fromGenesis;
        }

        public void write(SignedCheckpoint checkpoint) throws IOException {
            long sequence = checkpoint.checkpoint().sequence();
            if (last >= 0 && sequence <= last) {
                throw new IllegalStateException("checkpoint #" + sequence + " does not come after #" + last);
            }
            if (first < 0) {
                first = sequence;
            }
            last = sequence;
            count++;
            file.write((checkpoint.toJson() + "\n").getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public void close() throws IOException {
            if (count == 0) {
                throw new IllegalStateException("a bundle needs at least one checkpoint");
            }
            file.records(count);
            file.close();
            checkpointRange = new Manifest.CheckpointRange(BundleFiles.CHECKPOINTS, fromGenesis, first, last, count);
        }
    }
}
