package io.controlwatch.evaluation.stream.internal;

import io.controlwatch.engine.RuleState;
import io.controlwatch.engine.RuleStateJson;
import io.controlwatch.engine.RuleStore;
import io.controlwatch.engine.StateKeys;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The engine's {@link RuleStore} over two changelogged Kafka Streams stores of one task: state as JSON by key, and
 * a deadline index whose keys ("\u0001control\u0000zero-padded epoch millis\u0000state key") sort by control and
 * time, so a control's due deadlines are a range scan. A write-through cache of parsed states spares the JSON
 * parsing of hot keys, and each control's earliest deadline is remembered so that most events need no scan at all;
 * both are per processor instance, which Kafka Streams recreates whenever the task's state is restored, so they never
 * outlive the store's content.
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

    /** Index keys of this format start with this; the first format's started with a digit (migrated on start). */
    private static final String INDEX = "\u0001";
    private static final long NONE = Long.MAX_VALUE;

    /** Each control's earliest deadline (or NONE) as far as known; absent = to be looked up. */
    private final Map<String, Long> nextDeadline = new HashMap<>();
    private final KeyValueStore<String, String> state;
    private final KeyValueStore<String, String> deadlines;
    private final int partition;
    private final int partitions;

    KafkaRuleStore(KeyValueStore<String, String> state, KeyValueStore<String, String> deadlines, int partition, int partitions) {
        this.state = state;
        this.deadlines = deadlines;
        this.partition = partition;
        this.partitions = partitions;
        migrateDeadlineIndex();
    }

    /** Deadlines indexed by the first format ("epoch millis|state key", all controls together) move to per control. */
    private void migrateDeadlineIndex() {
        List<KeyValue<String, String>> old = new ArrayList<>();
        try (KeyValueIterator<String, String> it = deadlines.range("0", ":")) {
            it.forEachRemaining(old::add);
        }
        for (KeyValue<String, String> entry : old) {
            deadlines.delete(entry.key);
            deadlines.put(indexKey(Instant.ofEpochMilli(Long.parseLong(entry.key.substring(0, 19))), entry.value), entry.value);
        }
    }

    @Override
    public RuleState get(String stateKey) {
        RuleState cached = cache.get(stateKey);
        if (cached != null) {
            return cached;
        }
        String json = state.get(stateKey);
        RuleState parsed = json == null ? null : RuleStateJson.fromJson(json);
        if (parsed != null) {
            cache.put(stateKey, parsed);
        }
        return parsed;
    }

    @Override
    public void put(String stateKey, RuleState value) {
        state.put(stateKey, RuleStateJson.toJson(value));
        cache.put(stateKey, value);
    }

    @Override
    public void delete(String stateKey) {
        state.delete(stateKey);
        cache.remove(stateKey);
    }

    @Override
    public void forget(String stateKey) {
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
    public void deleteMeta(String key) {
        state.delete(META + key);
    }

    @Override
    public Map<String, String> metaWithPrefix(String prefix) {
        Map<String, String> found = new HashMap<>();
        try (KeyValueIterator<String, String> it = state.prefixScan(META + prefix, KEYS)) {
            it.forEachRemaining(entry -> found.put(entry.key.substring(META.length()), entry.value));
        }
        return found;
    }

    @Override
    public void addDeadline(Instant at, String stateKey) {
        deadlines.put(indexKey(at, stateKey), stateKey);
        nextDeadline.computeIfPresent(StateKeys.controlId(stateKey), (control, next) -> Math.min(next, at.toEpochMilli()));
    }

    @Override
    public void removeDeadline(Instant at, String stateKey) {
        deadlines.delete(indexKey(at, stateKey));
    }

    @Override
    public List<Deadline> dueDeadlines(String controlId, Instant now) {
        List<Deadline> due = new ArrayList<>();
        String prefix = INDEX + controlId + "\u0000";
        // NUL sorts before every other character: the upper bound takes all entries at exactly `now`
        try (KeyValueIterator<String, String> it = deadlines.range(prefix + pad(0), prefix + pad(now.toEpochMilli()) + "\u0001")) {
            while (it.hasNext()) {
                KeyValue<String, String> entry = it.next();
                due.add(new Deadline(Instant.ofEpochMilli(Long.parseLong(entry.key.substring(prefix.length(),
                        prefix.length() + 19))), entry.value));
            }
        }
        nextDeadline.remove(controlId); // the caller decides them now: look the next one up afresh
        return due;
    }

    @Override
    public Instant nextDeadline(String controlId) {
        long next = nextDeadline.computeIfAbsent(controlId, control -> {
            String prefix = INDEX + control + "\u0000";
            try (KeyValueIterator<String, String> it = deadlines.range(prefix + pad(0), prefix + pad(Long.MAX_VALUE))) {
                return it.hasNext() ? Long.parseLong(it.next().key.substring(prefix.length(), prefix.length() + 19)) : NONE;
            }
        });
        return next == NONE ? null : Instant.ofEpochMilli(next);
    }

    @Override
    public boolean owns(String stateKey) {
        // the default partitioner of the repartition topic (murmur2 of the serialized key)
        byte[] bytes = KEYS.serialize(null, stateKey);
        return Utils.toPositive(Utils.murmur2(bytes)) % partitions == partition;
    }

    /** After a failed step a cached state may be half changed: drop the caches, the store holds the truth. */
    void forgetCachedStates() {
        cache.clear();
        nextDeadline.clear();
    }

    private static String indexKey(Instant at, String stateKey) {
        return INDEX + StateKeys.controlId(stateKey) + "\u0000" + pad(at.toEpochMilli()) + "\u0000" + stateKey;
    }

    /** 19 digits, zero-padded, so that keys sort by time. Not String.format: it parsed its pattern per call (3 % of
     * the evaluation service's CPU under load, bench/profile.sh). */
    static String pad(long millis) {
        if (millis < 0) {
            return String.format("%019d", millis); // before 1970: never seen (event times are bounded at ingest)
        }
        String digits = Long.toString(millis);
        return "0000000000000000000".substring(digits.length()) + digits;
    }
}
