package io.controlwatch.common.messaging;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The pattern every registry kept on a compacted topic follows (control packs, sources, adapter state): read the
 * topic whole at start-up with a short-lived consumer, then let a follower channel (a consumer group of the instance's
 * own) continue from exactly where that read stopped, so a change made through another instance applies here too.
 */
public final class CompactedTopics {

    private CompactedTopics() {
    }

    /**
     * Reads {@code topic} from its beginning to its end as of now (blocking, bounded by {@code bound}), handing every
     * record to {@code apply} in offset order per partition.
     *
     * @param kafka         the service's Kafka client settings (bootstrap servers and security); the group id is not used
     * @param committedOnly read only committed records (for topics written in transactions)
     * @return the offset per partition the read stopped at: where the follower continues
     * @throws RuntimeException when the topic cannot be read; the caller decides (its follower then starts from the
     *                          beginning, see {@link #positionFollower})
     */
    public static Map<TopicPartition, Long> readToEnd(Map<String, Object> kafka, String topic, Duration bound,
                                                      boolean committedOnly,
                                                      java.util.function.Consumer<ConsumerRecord<String, String>> apply) {
        return read(kafka, topic, bound, committedOnly, apply, false, 0);
    }

    /**
     * As {@link #readToEnd}, for a reader that must see all of the topic or nothing (a verification): fails when the
     * end is not reached within {@code bound}, instead of answering where the read stopped.
     *
     * @throws IllegalStateException when the topic's end was not reached in time
     */
    public static void readWhole(Map<String, Object> kafka, String topic, Duration bound, boolean committedOnly,
                                 java.util.function.Consumer<ConsumerRecord<String, String>> apply) {
        read(kafka, topic, bound, committedOnly, apply, true, 0);
    }

    /**
     * As {@link #readWhole}, but only the last {@code perPartition} records of each partition: for a reader that needs
     * what was written last (the highest key of a topic written in key order), at a cost that does not grow with the
     * topic.
     *
     * @throws IllegalStateException when the topic's end was not reached in time
     */
    public static void readTail(Map<String, Object> kafka, String topic, int perPartition, Duration bound,
                                java.util.function.Consumer<ConsumerRecord<String, String>> apply) {
        if (perPartition < 1) {
            throw new IllegalArgumentException("perPartition must be positive: " + perPartition);
        }
        read(kafka, topic, bound, false, apply, true, perPartition);
    }

    private static Map<TopicPartition, Long> read(Map<String, Object> kafka, String topic, Duration bound,
                                                  boolean committedOnly,
                                                  java.util.function.Consumer<ConsumerRecord<String, String>> apply,
                                                  boolean whole, int tail) {
        Map<String, Object> settings = new HashMap<>(kafka);
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        if (committedOnly) {
            settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        }
        // a metadata call (partitionsFor, endOffsets) waits no longer than the whole read may take
        settings.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.min(15_000, Math.max(1, bound.toMillis())));
        settings.remove(ConsumerConfig.GROUP_ID_CONFIG);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(settings, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            if (tail > 0) {
                Map<TopicPartition, Long> start = consumer.beginningOffsets(partitions);
                partitions.forEach(p -> consumer.seek(p, Math.max(start.get(p), end.get(p) - tail)));
            } else {
                consumer.seekToBeginning(partitions);
            }
            long deadline = System.nanoTime() + bound.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(apply);
            }
            Map<TopicPartition, Long> stoppedAt = new HashMap<>();
            partitions.forEach(p -> stoppedAt.put(p, consumer.position(p)));
            if (whole && partitions.stream().anyMatch(p -> stoppedAt.get(p) < end.get(p))) {
                throw new IllegalStateException("topic " + topic + " was not read to its end within " + bound
                        + " (stopped at " + stoppedAt + ", end " + end + ")");
            }
            return stoppedAt;
        }
    }

    /**
     * Positions a follower's newly assigned partitions where the start-up read stopped, or at the beginning for a
     * partition that read did not reach (it failed): records are then applied twice at worst, never skipped.
     */
    public static void positionFollower(Consumer<?, ?> consumer, Collection<TopicPartition> partitions,
                                        Map<TopicPartition, Long> followFrom) {
        for (TopicPartition partition : partitions) {
            Long offset = followFrom.get(partition);
            if (offset != null) {
                consumer.seek(partition, offset);
            } else {
                consumer.seekToBeginning(List.of(partition));
            }
        }
    }
}
