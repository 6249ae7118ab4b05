package io.controlwatch.system.bench;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The keys of an evaluation application's rule state, one per (control, key), as its changelog holds them: the last
 * record of each key, unless a tombstone. Exact, unlike RocksDB's estimate, and read without the service.
 *
 * @param byControl live state keys per control id (the engine's bookkeeping keys not counted)
 */
record RuleStateKeys(Map<String, Integer> byControl) {

    /** The rule-state store's changelog: {@code <application.id>-rule-state-changelog} (StatefulRules.STATE_STORE). */
    private static final String CHANGELOG = "-rule-state-changelog";
    /** StateKeys: {@code <control id>U+001F<key>}; bookkeeping keys start with NUL and have none. */
    private static final char SEPARATOR = '\u001f';

    long total() {
        return byControl.values().stream().mapToLong(Integer::longValue).sum();
    }

    int maxPerControl() {
        return byControl.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    static RuleStateKeys read(String servers, String applicationId) {
        String topic = applicationId + CHANGELOG;
        Set<String> live = new HashSet<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
                    if (record.value() == null) {
                        live.remove(record.key());
                    } else {
                        live.add(record.key());
                    }
                }
            }
        }
        Map<String, Integer> byControl = new TreeMap<>();
        for (String key : live) {
            int separator = key.indexOf(SEPARATOR);
            if (separator > 0) {
                byControl.merge(key.substring(0, separator), 1, Integer::sum);
            }
        }
        return new RuleStateKeys(byControl);
    }
}
