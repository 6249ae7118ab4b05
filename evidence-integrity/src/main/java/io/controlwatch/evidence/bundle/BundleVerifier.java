package io.controlwatch.evidence.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import io.controlwatch.evidence.ChainHead;
import io.controlwatch.evidence.ChainLink;
import io.controlwatch.evidence.Checkpoint;
import io.controlwatch.evidence.KeyRing;
import io.controlwatch.evidence.Sha256;
import io.controlwatch.evidence.SignedCheckpoint;
import io.controlwatch.evidence.StoredExecution;
import io.controlwatch.evidence.VerificationKey;
import io.controlwatch.evidence.verify.ChainEntry;
import io.controlwatch.evidence.verify.ChainVerifier;
import io.controlwatch.evidence.verify.CheckpointPosition;
import io.controlwatch.evidence.verify.CheckpointSequence;
import io.controlwatch.evidence.verify.Discrepancy;
import io.controlwatch.evidence.verify.Discrepancy.Kind;
import io.controlwatch.evidence.verify.DiscrepancyLog;
import io.controlwatch.evidence.verify.Population;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Verifies an evidence bundle offline: every file against the manifest's SHA-256, the manifest's signature, every
 * checkpoint's signature and sequence, the chain recomputed over the exported rows and links against the checkpoints,
 * and that every link really lies outside the period or scope. Streams every file: memory stays bounded whatever the
 * bundle's size.
 */
public final class BundleVerifier {

    private static final int MAX_ENTRIES = 10_000;
    private static final long MAX_MANIFEST = 4L << 20;
    private static final long MAX_SIGNATURE = 4096;
    private static final long MAX_KEY_FILE = 1L << 20;

    /** Which keys to trust: given public keys, or the bundle's own keys whose fingerprints are given. */
    public record Trust(List<VerificationKey> keys, Set<String> fingerprints) {
        public Trust {
            keys = List.copyOf(keys);
            fingerprints = Set.copyOf(fingerprints);
            if (keys.isEmpty() && fingerprints.isEmpty()) {
                throw new IllegalArgumentException("trust at least one key");
            }
        }

        public static Trust keys(Collection<VerificationKey> keys) {
            return new Trust(List.copyOf(keys), Set.of());
        }

        public static Trust fingerprints(Collection<String> fingerprints) {
            return new Trust(List.of(), Set.copyOf(fingerprints));
        }
    }

    private final ZipFile zip;
    private final DiscrepancyLog log = new DiscrepancyLog();
    private final List<String> notes = new ArrayList<>();

    private BundleVerifier(ZipFile zip) {
        this.zip = zip;
    }

    /**
     * Verifies the bundle at {@code path}.
     *
     * @throws java.nio.file.NoSuchFileException when there is no such file (a usage error, not a finding)
     */
    public static BundleReport verify(Path path, Trust trust) throws IOException {
        if (!java.nio.file.Files.isRegularFile(path)) {
            throw new java.nio.file.NoSuchFileException(path.toString());
        }
        ZipFile zip;
        try {
            zip = new ZipFile(path.toFile(), StandardCharsets.UTF_8);
        } catch (ZipException e) {
            DiscrepancyLog log = new DiscrepancyLog();
            log.add(Kind.BUNDLE_UNREADABLE, path.getFileName() + " is not a readable ZIP file: " + e.getMessage());
            return new BundleReport(false, log.discrepancies(), log.total(), null, List.of(),
                    new BundleReport.Summary(0, 0, null, null, null, 0, 0, 0), List.of());
        }
        try (zip) {
            return new BundleVerifier(zip).run(trust);
        }
    }

    private BundleReport run(Trust trust) throws IOException {
        Set<String> names = entryNames();
        byte[] manifestBytes = read(BundleFiles.MANIFEST, MAX_MANIFEST);
        byte[] signatureBytes = read(BundleFiles.MANIFEST_SIGNATURE, MAX_SIGNATURE);
        KeyRing trusted = trustedKeys(trust);
        List<String> trustedIds = trusted.publicKeys().stream().map(VerificationKey::keyId).toList();

        Manifest manifest = null;
        if (manifestBytes != null) {
            try {
                manifest = Manifest.parse(manifestBytes);
            } catch (RuntimeException e) {
                log.add(Kind.MANIFEST_INVALID, "manifest.json cannot be read: " + e.getMessage());
            }
        }
        checkManifestSignature(manifestBytes, signatureBytes, manifest, trusted);
        if (manifest == null) {
            return report(null, trustedIds, 0, null, 0, 0, 0);
        }
        int filesChecked = checkFiles(manifest, names);
        if (!requiredFilesListed(manifest)) {
            return report(manifest, trustedIds, filesChecked, null, 0, 0, 0);
        }
        CheckpointSequence checkpoints = checkCheckpoints(manifest, trusted);
        if (checkpoints.first() == null) {
            log.add(Kind.CHECKPOINT_MISSING, "checkpoints.jsonl holds no readable checkpoint: nothing to verify the"
                    + " chain against");
            return report(manifest, trustedIds, filesChecked, checkpoints, 0, 0, 0);
        }
        long[] rowsAndLinks = new long[2];
        int partitions = checkChain(manifest, checkpoints, rowsAndLinks);
        noteCoverage(manifest, checkpoints);
        return report(manifest, trustedIds, filesChecked, checkpoints, partitions, rowsAndLinks[0], rowsAndLinks[1]);
    }

    private BundleReport report(Manifest manifest, List<String> trustedIds, int files, CheckpointSequence cps,
                                int partitions, long rows, long links) {
        BundleReport.Summary summary = new BundleReport.Summary(files, cps == null ? 0 : cps.count(),
                cps == null || cps.first() == null ? null : cps.first().checkpoint().sequence(),
                cps == null || cps.last() == null ? null : cps.last().checkpoint().sequence(),
                cps == null ? null : cps.lastCreatedAt(), partitions, rows, links);
        return new BundleReport(log.isEmpty(), log.discrepancies(), log.total(), manifest, trustedIds, summary,
                List.copyOf(notes));
    }

    private Set<String> entryNames() {
        Set<String> names = new HashSet<>();
        int count = 0;
        for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
            ZipEntry entry = e.nextElement();
            if (++count > MAX_ENTRIES) {
                log.add(Kind.BUNDLE_UNREADABLE, "the bundle holds more than " + MAX_ENTRIES + " files");
                break;
            }
            if (!names.add(entry.getName())) {
                // two entries of one name: a reader could be shown either, so the bundle cannot be trusted
                log.add(Kind.FILE_UNLISTED, "the bundle holds two files named " + entry.getName());
            }
        }
        return names;
    }

    private byte[] read(String name, long limit) throws IOException {
        ZipEntry entry = zip.getEntry(name);
        if (entry == null) {
            log.add(Kind.FILE_MISSING, name + " is missing from the bundle");
            return null;
        }
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] bytes = in.readNBytes((int) limit + 1);
            if (bytes.length > limit) {
                log.add(Kind.MANIFEST_INVALID, name + " is larger than " + limit + " bytes");
                return null;
            }
            return bytes;
        }
    }

    private KeyRing trustedKeys(Trust trust) throws IOException {
        List<VerificationKey> keys = new ArrayList<>(trust.keys());
        if (!trust.fingerprints().isEmpty()) {
            byte[] pem = zip.getEntry(BundleFiles.PUBLIC_KEYS) == null ? null
                    : read(BundleFiles.PUBLIC_KEYS, MAX_KEY_FILE);
            Set<String> found = new HashSet<>();
            if (pem != null) {
                try {
                    for (VerificationKey key : VerificationKey.allFromPem(new String(pem, StandardCharsets.US_ASCII))) {
                        if (trust.fingerprints().contains(key.keyId())) {
                            keys.add(key);
                            found.add(key.keyId());
                        }
                    }
                } catch (IllegalArgumentException e) {
                    log.add(Kind.MANIFEST_INVALID, "public-keys.pem cannot be read: " + e.getMessage());
                }
            }
            for (String fingerprint : new TreeSet<>(trust.fingerprints())) {
                if (!found.contains(fingerprint)) {
                    notes.add("no key with fingerprint " + fingerprint + " is in public-keys.pem");
                }
            }
        }
        return KeyRing.trusting(keys);
    }

    private void checkManifestSignature(byte[] manifestBytes, byte[] signatureBytes, Manifest manifest,
                                        KeyRing trusted) {
        if (manifestBytes == null || signatureBytes == null) {
            return;
        }
        byte[] signature;
        try {
            signature = Base64.getDecoder().decode(new String(signatureBytes, StandardCharsets.US_ASCII).strip());
        } catch (IllegalArgumentException e) {
            log.add(Kind.MANIFEST_SIGNATURE, "manifest.sig is not base64");
            return;
        }
        String named = manifest == null ? null : manifest.signingKey();
        if (named != null) {
            Optional<VerificationKey> key = trusted.key(named);
            if (key.isEmpty()) {
                log.add(Kind.UNTRUSTED_KEY, "manifest.json names signing key " + named + ", which is not a trusted"
                        + " key: the bundle was signed by someone else" + trustedList(trusted));
            } else if (!key.get().verifies(manifestBytes, signature)) {
                log.add(Kind.MANIFEST_SIGNATURE, "manifest.sig is not a valid signature of manifest.json by key "
                        + named + ": the manifest was edited after signing, or signed by another key");
            }
            return;
        }
        // unreadable manifest: still say whether a trusted key signed these bytes
        boolean any = trusted.publicKeys().stream().anyMatch(k -> k.verifies(manifestBytes, signature));
        if (!any) {
            log.add(Kind.MANIFEST_SIGNATURE, "manifest.sig is not a valid signature of manifest.json by any trusted"
                    + " key");
        }
    }

    private static String trustedList(KeyRing trusted) {
        return trusted.publicKeys().isEmpty() ? " (no key is trusted)"
                : " (trusted: " + String.join(", ", trusted.publicKeys().stream().map(VerificationKey::keyId)
                .toList()) + ")";
    }

    private int checkFiles(Manifest manifest, Set<String> names) throws IOException {
        int checked = 0;
        for (Map.Entry<String, Sha256> file : manifest.files().entrySet()) {
            ZipEntry entry = zip.getEntry(file.getKey());
            if (entry == null) {
                log.add(Kind.FILE_MISSING, file.getKey() + " is listed in the manifest but missing from the bundle");
                continue;
            }
            Sha256 actual = hash(entry);
            checked++;
            if (!actual.equals(file.getValue())) {
                log.add(Kind.FILE_EDITED, file.getKey() + " was edited: its SHA-256 is " + actual.hex()
                        + ", the manifest says " + file.getValue().hex());
            }
        }
        for (String name : new TreeSet<>(names)) {
            if (!manifest.files().containsKey(name) && !name.equals(BundleFiles.MANIFEST)
                    && !name.equals(BundleFiles.MANIFEST_SIGNATURE)) {
                log.add(Kind.FILE_UNLISTED, name + " is in the bundle but not in the manifest: it was added after"
                        + " signing");
            }
        }
        return checked;
    }

    private boolean requiredFilesListed(Manifest manifest) {
        boolean ok = true;
        for (String required : new TreeSet<>(BundleFiles.REQUIRED)) {
            if (!manifest.files().containsKey(required)) {
                log.add(Kind.MANIFEST_INVALID, "the manifest does not list " + required);
                ok = false;
            }
        }
        if (!BundleFiles.CHECKPOINTS.equals(manifest.checkpoints().file())) {
            log.add(Kind.MANIFEST_INVALID, "the manifest names " + manifest.checkpoints().file()
                    + " as checkpoint file; verifiers read " + BundleFiles.CHECKPOINTS);
            ok = false;
        }
        return ok && zip.getEntry(BundleFiles.EXECUTIONS_JSONL) != null && zip.getEntry(BundleFiles.CHAIN_LINKS) != null
                && zip.getEntry(BundleFiles.CHECKPOINTS) != null;
    }

    private Sha256 hash(ZipEntry entry) throws IOException {
        MessageDigest sha = Sha256.newDigest();
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = zip.getInputStream(entry)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
            }
        }
        return Sha256.of(sha.digest());
    }

    private CheckpointSequence checkCheckpoints(Manifest manifest, KeyRing trusted) throws IOException {
        CheckpointSequence sequence = new CheckpointSequence(trusted, log);
        try (JsonLines lines = new JsonLines(zip.getInputStream(zip.getEntry(BundleFiles.CHECKPOINTS)))) {
            for (JsonNode node; (node = nextOrReport(lines, BundleFiles.CHECKPOINTS)) != null; ) {
                SignedCheckpoint checkpoint;
                try {
                    checkpoint = SignedCheckpoint.fromJson(node);
                } catch (RuntimeException e) {
                    log.add(Kind.CHECKPOINT_INVALID, "checkpoints.jsonl line " + lines.line() + ": " + e.getMessage());
                    continue;
                }
                if (!checkpoint.checkpoint().topic().equals(manifest.topic())) {
                    log.add(Kind.CHECKPOINT_INVALID, "checkpoint #" + checkpoint.checkpoint().sequence() + " is of"
                            + " topic " + checkpoint.checkpoint().topic() + ", the manifest says " + manifest.topic());
                }
                sequence.accept(checkpoint);
            }
        }
        Manifest.CheckpointRange range = manifest.checkpoints();
        if (sequence.first() != null) {
            long first = sequence.first().checkpoint().sequence();
            long last = sequence.last().checkpoint().sequence();
            if (first != range.first() || last != range.last() || sequence.count() != range.count()) {
                log.add(Kind.CHECKPOINT_MISSING, "checkpoints.jsonl holds " + sequence.count() + " checkpoints #"
                        + first + " to #" + last + "; the manifest says " + range.count() + ", #" + range.first()
                        + " to #" + range.last());
            }
        }
        return sequence;
    }

    private JsonNode nextOrReport(JsonLines lines, String file) {
        try {
            return lines.next();
        } catch (IOException e) {
            // a syntax error leaves the parser lost: the rest of the file is unread, which the checks then report
            log.add(Kind.ROW_MALFORMED, file + " line " + lines.line() + " is not JSON (" + e.getMessage()
                    .lines().findFirst().orElse("") + "): the rest of the file was not read");
            return null;
        }
    }

    /** Recomputes every partition's chain; returns how many partitions were verified. */
    private int checkChain(Manifest manifest, CheckpointSequence checkpoints, long[] rowsAndLinks)
            throws IOException {
        Population population = new Population(manifest.periodFrom(), manifest.periodTo(),
                Set.copyOf(manifest.controls()));
        ChainVerifier verifier = new ChainVerifier(population, false, log);
        Checkpoint first = checkpoints.first().checkpoint();
        TreeSet<Integer> partitions = new TreeSet<>();
        checkpoints.last().checkpoint().partitions().forEach(h -> partitions.add(h.partition()));
        first.partitions().forEach(h -> partitions.add(h.partition()));
        int verified = 0;
        try (EntrySource rows = new EntrySource(BundleFiles.EXECUTIONS_JSONL, node -> {
            StoredExecution e = EvidenceLines.readExecution(node);
            return ChainEntry.ofRow(e.partition(), e.offset(), e.row(), e.recordedDigest(), e.recordedHead());
        }); EntrySource links = new EntrySource(BundleFiles.CHAIN_LINKS, node -> {
            ChainLink l = EvidenceLines.readLink(node);
            return ChainEntry.ofLink(l.partition(), l.offset(), l.eventTime(), l.controlId(), l.rowDigest(),
                    l.recordedHead());
        })) {
            while (true) {
                Integer next = partitions.pollFirst();
                Integer inRows = rows.peekPartition();
                Integer inLinks = links.peekPartition();
                int partition = min(next, inRows, inLinks);
                if (partition == Integer.MAX_VALUE) {
                    break;
                }
                if (next != null && next != partition) {
                    partitions.add(next);
                }
                CheckpointPosition anchor = manifest.checkpoints().fromGenesis()
                        ? CheckpointPosition.genesis(manifest.topic(), partition)
                        : first.head(partition).map(h -> new CheckpointPosition(first.sequence(), first.createdAt(), h))
                        .orElse(CheckpointPosition.genesis(manifest.topic(), partition));
                try (Positions closing = new Positions(partition, manifest.checkpoints().fromGenesis()
                        ? Long.MIN_VALUE : first.sequence(), checkpoints)) {
                    verifier.verifyPartition(partition, anchor, closing, new Merged(partition, rows, links));
                }
                verified++;
            }
            rowsAndLinks[0] = rows.read;
            rowsAndLinks[1] = links.read;
            checkCount(manifest, BundleFiles.EXECUTIONS_JSONL, rows.lines.objects());
            checkCount(manifest, BundleFiles.CHAIN_LINKS, links.lines.objects());
        }
        return verified;
    }

    private void checkCount(Manifest manifest, String file, long lines) {
        Long stated = manifest.counts().get(file);
        if (stated != null && stated != lines) {
            log.add(Kind.COUNT_MISMATCH, file + " holds " + lines + " records; the manifest says " + stated);
        }
    }

    private void noteCoverage(Manifest manifest, CheckpointSequence checkpoints) {
        Checkpoint first = checkpoints.first().checkpoint();
        Checkpoint last = checkpoints.last().checkpoint();
        notes.add("population covered from " + (manifest.checkpoints().fromGenesis() ? "the start of the chain"
                : "checkpoint #" + first.sequence() + " (" + first.createdAt() + ")") + " to checkpoint #"
                + last.sequence() + " (" + last.createdAt() + ")");
        if (last.createdAt().isBefore(manifest.periodTo())) {
            notes.add("the last checkpoint (" + last.createdAt() + ") precedes the end of the period ("
                    + manifest.periodTo() + "): executions recorded after it are not in this bundle");
        }
    }

    private static int min(Integer... values) {
        int min = Integer.MAX_VALUE;
        for (Integer v : values) {
            if (v != null && v < min) {
                min = v;
            }
        }
        return min;
    }

    /** One chain-ordered JSON Lines file of the bundle, read entry by entry with one entry of look-ahead. */
    private final class EntrySource implements Closeable {
        private final String file;
        private final JsonLines lines;
        private final Function<JsonNode, ChainEntry> reader;
        private ChainEntry peeked;
        private boolean done;
        private int lastPartition = Integer.MIN_VALUE;
        long read;

        EntrySource(String file, Function<JsonNode, ChainEntry> reader) throws IOException {
            this.file = file;
            this.lines = new JsonLines(zip.getInputStream(zip.getEntry(file)));
            this.reader = reader;
        }

        Integer peekPartition() {
            ChainEntry e = peek();
            return e == null ? null : e.partition();
        }

        ChainEntry peek() {
            while (peeked == null && !done) {
                JsonNode node = nextOrReport(lines, file);
                if (node == null) {
                    done = true;
                    break;
                }
                ChainEntry entry;
                try {
                    entry = reader.apply(node);
                } catch (RuntimeException e) {
                    // any value the model refuses (a bad digest, a year whose microseconds overflow, a missing field)
                    log.add(new Discrepancy(Kind.ROW_MALFORMED, null, null, null, file + " line " + lines.line()
                            + ": " + e.getMessage()));
                    continue;
                }
                read++;
                if (entry.partition() < lastPartition) {
                    log.add(new Discrepancy(Kind.CHAIN_ORDER, entry.partition(), entry.offset(), entry.executionId(),
                            file + " line " + lines.line() + ": partition " + entry.partition() + " comes after"
                            + " partition " + lastPartition + ": the file is not in chain order"));
                    continue;
                }
                lastPartition = entry.partition();
                peeked = entry;
            }
            return peeked;
        }

        ChainEntry take() {
            ChainEntry e = peek();
            peeked = null;
            return e;
        }

        @Override
        public void close() throws IOException {
            lines.close();
        }
    }

    /** The rows and links of one partition, merged in offset order. */
    private static final class Merged implements Iterator<ChainEntry> {
        private final int partition;
        private final EntrySource rows;
        private final EntrySource links;

        Merged(int partition, EntrySource rows, EntrySource links) {
            this.partition = partition;
            this.rows = rows;
            this.links = links;
        }

        @Override
        public boolean hasNext() {
            return of(rows) != null || of(links) != null;
        }

        @Override
        public ChainEntry next() {
            ChainEntry r = of(rows);
            ChainEntry l = of(links);
            if (r == null && l == null) {
                throw new NoSuchElementException();
            }
            if (l == null || (r != null && r.offset() <= l.offset())) {
                return rows.take();
            }
            return links.take();
        }

        private ChainEntry of(EntrySource source) {
            ChainEntry e = source.peek();
            return e != null && e.partition() == partition ? e : null;
        }
    }

    /** One partition's heads in the valid checkpoints after {@code afterSequence}, streamed from the file again. */
    private final class Positions implements Iterator<CheckpointPosition>, Closeable {
        private final int partition;
        private final long afterSequence;
        private final CheckpointSequence validity;
        private final JsonLines lines;
        private CheckpointPosition next;

        Positions(int partition, long afterSequence, CheckpointSequence validity) throws IOException {
            this.partition = partition;
            this.afterSequence = afterSequence;
            this.validity = validity;
            this.lines = new JsonLines(zip.getInputStream(zip.getEntry(BundleFiles.CHECKPOINTS)));
        }

        @Override
        public boolean hasNext() {
            while (next == null) {
                JsonNode node;
                try {
                    node = lines.next();
                } catch (IOException e) {
                    return false; // already reported by the first pass
                }
                if (node == null) {
                    return false;
                }
                Checkpoint c;
                try {
                    c = SignedCheckpoint.fromJson(node).checkpoint();
                } catch (RuntimeException e) {
                    continue; // already reported by the first pass
                }
                if (c.sequence() <= afterSequence || !validity.isValid(c.sequence())) {
                    continue;
                }
                Optional<ChainHead> head = c.head(partition);
                if (head.isPresent()) {
                    next = new CheckpointPosition(c.sequence(), c.createdAt(), head.get());
                }
            }
            return true;
        }

        @Override
        public CheckpointPosition next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            CheckpointPosition p = next;
            next = null;
            return p;
        }

        @Override
        public void close() {
            try {
                lines.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
