package io.controlwatch.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** A {@link RuleStore} in memory: for the fixture runner, tests and benchmarks. Not thread-safe. */
public final class InMemoryRuleStore implements RuleStore {

    private final Map<String, RuleState> values = new HashMap<>();
    private final Map<String, String> meta = new HashMap<>();
    private final TreeSet<Deadline> deadlines = new TreeSet<>((a, b) -> {
        int byTime = a.at().compareTo(b.at());
        return byTime != 0 ? byTime : a.stateKey().compareTo(b.stateKey());
    });

    @Override
    public RuleState get(String stateKey) {
        return values.get(stateKey);
    }

    @Override
    public void put(String stateKey, RuleState state) {
        values.put(stateKey, state);
    }

    @Override
    public void delete(String stateKey) {
        values.remove(stateKey);
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
    public void addDeadline(Instant at, String stateKey) {
        deadlines.add(new Deadline(at, stateKey));
    }

    @Override
    public void removeDeadline(Instant at, String stateKey) {
        deadlines.remove(new Deadline(at, stateKey));
    }

    @Override
    public List<Deadline> dueDeadlines(Instant now) {
        List<Deadline> due = new ArrayList<>();
        for (Deadline d : deadlines) {
            if (d.at().isAfter(now)) {
                break;
            }
            due.add(d);
        }
        return due;
    }

    @Override
    public boolean owns(String stateKey) {
        return true;
    }

    /** Number of (control, key) states held, for tests. */
    public long stateCount() {
        return values.size();
    }
}
