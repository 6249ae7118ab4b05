package io.controlwatch.evaluation.stream.internal;

import io.controlwatch.engine.RuleStore;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The engine's {@link RuleStore} over two changelogged Kafka Streams stores of one task: state by key, and a
 * deadline index whose keys ("zero-padded epoch millis|state key") sort by time, so due deadlines are a range scan.
 */
final class KafkaRuleStore implements RuleStore {

    private static final StringSerializer KEYS = new StringSerializer();

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
    public String get(String key) {
        return state.get(key);
    }

    @Override
    public void put(String key, String value) {
        state.put(key, value);
    }

    @Override
    public void delete(String key) {
        state.delete(key);
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

    private static String indexKey(Instant at, String stateKey) {
        return pad(at.toEpochMilli()) + "|" + stateKey;
    }

    private static String pad(long millis) {
        return String.format("%019d", millis);
    }
}
