package io.controlwatch.evaluation.stream.internal;

import io.controlwatch.engine.RuleState;
import io.controlwatch.engine.RuleStore;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The engine's {@link RuleStore} over two changelogged Kafka Streams stores of one task: state as JSON by key, and
 * a deadline index whose keys ("zero-padded epoch millis|state key") sort by time, so due deadlines are a range
 * scan. A write-through cache of parsed states spares the JSON parsing of hot keys; it is per processor instance,
 * which Kafka Streams recreates whenever the task's state is restored, so it never outlives the store's content.
 */
final class KafkaRuleStore implements RuleStore {

    private static final StringSerializer KEYS = new StringSerializer();
    /** Bookkeeping keys live beside state keys; state keys never start with NUL. */
    private static final String META = "\u0000meta:";
    private static final int CACHED_STATES = 10_000;

    private final Map<String, RuleState> cache = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, RuleState> eldest) {
            return size() > CACHED_STATES;
        }
    };

    private final KeyValueStore<String, String> state;
    private final KeyValueStore<String, String> deadlines;
    private final int partition;
    private final int partitions;

    KafkaRuleStore(KeyValueStore<String, String> state, KeyValueStore<String, String> deadlines, int partition, int partitions) {
        this.state = state;
        this.deadlines = deadlines;
        this.partition = partition;
        this.partitions = partitions;
    }

    @Override
    public RuleState get(String stateKey) {
        RuleState cached = cache.get(stateKey);
        if (cached != null) {
            return cached;
        }
        String json = state.get(stateKey);
        RuleState parsed = json == null ? null : RuleState.fromJson(json);
        if (parsed != null) {
            cache.put(stateKey, parsed);
        }
        return parsed;
    }

    @Override
    public void put(String stateKey, RuleState value) {
        state.put(stateKey, RuleState.toJson(value));
        cache.put(stateKey, value);
    }

    @Override
    public void delete(String stateKey) {
        state.delete(stateKey);
        cache.remove(stateKey);
    }

    @Override
    public String meta(String key) {
        return state.get(META + key);
    }

    @Override
    public void putMeta(String key, String value) {
        state.put(META + key, value);
    }

    @Override
    public void addDeadline(Instant at, String stateKey) {
        deadlines.put(indexKey(at, stateKey), stateKey);
    }

    @Override
    public void removeDeadline(Instant at, String stateKey) {
        deadlines.delete(indexKey(at, stateKey));
    }

    @Override
    public List<Deadline> dueDeadlines(Instant now) {
        List<Deadline> due = new ArrayList<>();
        // '|' sorts after every digit: the upper bound takes all entries at exactly `now`
        try (KeyValueIterator<String, String> it = deadlines.range(pad(0), pad(now.toEpochMilli()) + "~")) {
            while (it.hasNext()) {
                KeyValue<String, String> entry = it.next();
                due.add(new Deadline(Instant.ofEpochMilli(Long.parseLong(entry.key.substring(0, 19))), entry.value));
            }
        }
        return due;
    }

    @Override
    public boolean owns(String stateKey) {
        // the default partitioner of the repartition topic (murmur2 of the serialized key)
        byte[] bytes = KEYS.serialize(null, stateKey);
        return Utils.toPositive(Utils.murmur2(bytes)) % partitions == partition;
    }

    /** After a failed step a cached state may be half changed: drop the cache, the store holds the truth. */
    void forgetCachedStates() {
        cache.clear();
    }

    private static String indexKey(Instant at, String stateKey) {
        return pad(at.toEpochMilli()) + "|" + stateKey;
    }

    private static String pad(long millis) {
        return String.format("%019d", millis);
    }
}
