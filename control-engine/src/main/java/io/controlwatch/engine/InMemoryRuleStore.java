package io.controlwatch.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A {@link RuleStore} in memory: for the fixture runner, tests and benchmarks. Not thread-safe. States are kept as
 * JSON, as the evaluation service's store keeps them, so fixtures exercise the same encoding and a state a failed
 * rule half changed is never what the next event reads.
 */
public final class InMemoryRuleStore implements RuleStore {

    private final Map<String, String> values = new HashMap<>();
    private final Map<String, RuleState> parsed = new HashMap<>();
    private final TreeMap<String, String> meta = new TreeMap<>();
    private final Map<String, TreeSet<Deadline>> deadlines = new HashMap<>();
    private long indexWrites;

    @Override
    public RuleState get(String stateKey) {
        RuleState state = parsed.get(stateKey);
        if (state == null) {
            String json = values.get(stateKey);
            state = json == null ? null : RuleStateJson.fromJson(json);
            if (state != null) {
                parsed.put(stateKey, state);
            }
        }
        return state;
    }

    @Override
    public void put(String stateKey, RuleState state) {
        values.put(stateKey, RuleStateJson.toJson(state));
        parsed.put(stateKey, state);
    }

    @Override
    public void delete(String stateKey) {
        values.remove(stateKey);
        parsed.remove(stateKey);
    }

    @Override
    public void forget(String stateKey) {
        parsed.remove(stateKey);
    }

    @Override
    public String meta(String key) {
        return meta.get(key);
    }

    @Override
    public void putMeta(String key, String value) {
        meta.put(key, value);
    }

    @Override
    public void deleteMeta(String key) {
        meta.remove(key);
    }

    @Override
    public Map<String, String> metaWithPrefix(String prefix) {
        Map<String, String> found = new HashMap<>();
        for (Map.Entry<String, String> e : meta.tailMap(prefix, true).entrySet()) {
            if (!e.getKey().startsWith(prefix)) {
                break;
            }
            found.put(e.getKey(), e.getValue());
        }
        return found;
    }

    @Override
    public void addDeadline(Instant at, String stateKey) {
        indexWrites++;
        deadlines.computeIfAbsent(StateKeys.controlId(stateKey), c -> new TreeSet<>((a, b) -> {
            int byTime = a.at().compareTo(b.at());
            return byTime != 0 ? byTime : a.stateKey().compareTo(b.stateKey());
        })).add(new Deadline(at, stateKey));
    }

    @Override
    public void removeDeadline(Instant at, String stateKey) {
        indexWrites++;
        TreeSet<Deadline> of = deadlines.get(StateKeys.controlId(stateKey));
        if (of != null) {
            of.remove(new Deadline(at, stateKey));
        }
    }

    @Override
    public List<Deadline> dueDeadlines(String controlId, Instant now) {
        List<Deadline> due = new ArrayList<>();
        for (Deadline d : deadlines.getOrDefault(controlId, new TreeSet<>())) {
            if (d.at().isAfter(now)) {
                break;
            }
            due.add(d);
        }
        return due;
    }

    @Override
    public Instant nextDeadline(String controlId) {
        TreeSet<Deadline> of = deadlines.get(controlId);
        return of == null || of.isEmpty() ? null : of.first().at();
    }

    @Override
    public boolean owns(String stateKey) {
        return true;
    }

    /**
     * The control's earliest deadline as its states say, for tests. The index ({@link #nextDeadline}) may hold an
     * earlier one: {@link StatefulRuntime} leaves an entry in place when a deadline moves later.
     */
    public Instant earliestDeadline(String controlId) {
        Long earliest = null;
        for (String stateKey : values.keySet()) {
            RuleState state = StateKeys.controlId(stateKey).equals(controlId) ? get(stateKey) : null;
            if (state != null && state.nextDeadline != null && (earliest == null || state.nextDeadline < earliest)) {
                earliest = state.nextDeadline;
            }
        }
        return earliest == null ? null : Instant.ofEpochMilli(earliest);
    }

    /** The control's deadline index entries, earliest first, for tests. */
    public List<Deadline> indexed(String controlId) {
        return List.copyOf(deadlines.getOrDefault(controlId, new TreeSet<>()));
    }

    /** Index entries added and removed so far, for tests: what the evaluation service writes to a changelog. */
    public long indexWrites() {
        return indexWrites;
    }

    /** Number of (control, key) states held, for tests. */
    public long stateCount() {
        return values.size();
    }
}
