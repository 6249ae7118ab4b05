package io.controlwatch.evidence;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The chain side of an evidence store, in memory, as the alerting service keeps it: rows appended per partition in
 * offset order with their recorded digest and head, and checkpoints of all heads. Test fixture for the verifiers.
 */
public final class EvidenceStore {

    public static final String TOPIC = "cw.executions.v1";

    private final Map<Integer, ChainHead> heads = new TreeMap<>();
    private final Map<Integer, List<StoredExecution>> rows = new TreeMap<>();
    private final List<SignedCheckpoint> checkpoints = new ArrayList<>();
    private SigningKey key;

    public EvidenceStore(SigningKey key, int partitions) {
        this.key = key;
        for (int p = 0; p < partitions; p++) {
            heads.put(p, ChainHead.genesis(TOPIC, p));
            rows.put(p, new ArrayList<>());
        }
    }

    public StoredExecution store(int partition, long offset, EvidenceRow row) {
        ChainHead.Appended appended = heads.get(partition).appendStored(offset, row, null);
        heads.put(partition, appended.head());
        rows.get(partition).add(appended.stored());
        return appended.stored();
    }

    public SignedCheckpoint checkpoint(Instant at) {
        SignedCheckpoint previous = checkpoints.isEmpty() ? null : checkpoints.get(checkpoints.size() - 1);
        SignedCheckpoint next = Checkpoint.next(previous, TOPIC, at, heads.values(), key);
        checkpoints.add(next);
        return next;
    }

    /** Rotates the signing key: checkpoints from now on are signed with {@code next}. */
    public void rotate(SigningKey next) {
        this.key = next;
    }

    public List<StoredExecution> rows(int partition) {
        return rows.get(partition);
    }

    public List<StoredExecution> allRows() {
        List<StoredExecution> all = new ArrayList<>();
        rows.values().forEach(all::addAll);
        return all;
    }

    public List<SignedCheckpoint> checkpoints() {
        return checkpoints;
    }

    public Collection<ChainHead> heads() {
        return heads.values();
    }

    public ChainHead head(int partition) {
        return heads.get(partition);
    }
}
