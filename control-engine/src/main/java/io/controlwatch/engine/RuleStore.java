package io.controlwatch.engine;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Where stateful controls keep their state: one {@link RuleState} per (control, key), a little bookkeeping
 * ({@code meta}: the clock of each source, which sources feed each control, which declared keys were seeded), and
 * an index of deadlines per control so that due windows and absences are found without scanning every key. In
 * Kafka Streams this is a pair of changelogged state stores (so state survives crashes and moves with its
 * partition); in tests, the fixture runner and the benchmark, {@link InMemoryRuleStore}.
 */
public interface RuleStore {

    RuleState get(String stateKey);

    /** Stores the state; callers must not change the object afterwards without putting it again. */
    void put(String stateKey, RuleState state);

    void delete(String stateKey);

    /**
     * Drops any copy of the state held in memory that may have been changed without being put: the next
     * {@link #get} answers what was last put. Used when a rule failed half way through changing a state.
     */
    void forget(String stateKey);

    String meta(String key);

    void putMeta(String key, String value);

    void deleteMeta(String key);

    /** Every meta entry whose key starts with {@code prefix}, by key. */
    Map<String, String> metaWithPrefix(String prefix);

    void addDeadline(Instant at, String stateKey);

    void removeDeadline(Instant at, String stateKey);

    /** The control's deadlines at or before {@code now}, earliest first. */
    List<Deadline> dueDeadlines(String controlId, Instant now);

    /** The control's earliest deadline, or null when it has none. */
    Instant nextDeadline(String controlId);

    /**
     * Whether this store is responsible for a state key (Kafka Streams: the key hashes to this task's partition).
     * Used to seed declared absence keys exactly once across all instances.
     */
    boolean owns(String stateKey);

    /** One entry of the deadline index. */
    record Deadline(Instant at, String stateKey) {
    }
}
