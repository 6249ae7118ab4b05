package io.controlwatch.engine;

import java.time.Instant;
import java.util.List;

/**
 * Where stateful controls keep their state: JSON per (control, key), plus an index of deadlines so that due
 * windows and absences are found without scanning every key. In Kafka Streams this is a pair of changelogged
 * state stores (so state survives crashes and moves with its partition); in tests and the fixture runner,
 * {@link InMemoryRuleStore}.
 */
public interface RuleStore {

    String get(String key);

    void put(String key, String value);

    void delete(String key);

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
