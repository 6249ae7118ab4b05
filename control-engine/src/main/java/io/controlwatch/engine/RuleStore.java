package io.controlwatch.engine;

import java.time.Instant;
import java.util.List;

/**
 * Where stateful controls keep their state: one {@link RuleState} per (control, key), a little bookkeeping
 * ({@code meta}: the clock, which declared keys were seeded), and an index of deadlines so that due windows and
 * absences are found without scanning every key. In Kafka Streams this is a pair of changelogged state stores (so
 * state survives crashes and moves with its partition); in tests, the fixture runner and the benchmark,
 * {@link InMemoryRuleStore}.
 */
public interface RuleStore {

    RuleState get(String stateKey);

    /** Stores the state; callers must not change the object afterwards without putting it again. */
    void put(String stateKey, RuleState state);

    void delete(String stateKey);

    String meta(String key);

    void putMeta(String key, String value);

    void addDeadline(Instant at, String stateKey);

    void removeDeadline(Instant at, String stateKey);

    /** Deadlines at or before {@code now}, earliest first. */
    List<Deadline> dueDeadlines(Instant now);

    /**
     * Whether this store is responsible for a state key (Kafka Streams: the key hashes to this task's partition).
     * Used to seed declared absence keys exactly once across all instances.
     */
    boolean owns(String stateKey);

    /** One entry of the deadline index. */
    record Deadline(Instant at, String stateKey) {
    }
}
