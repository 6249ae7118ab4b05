package io.controlwatch.bench;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How many records the pipeline's consumers have not processed yet: the evaluation service's Kafka Streams
 * application (events and its internal repartition topics) and the alerting service's consumer group, as committed
 * offsets against the committed end of each partition. Zero for both means every execution is stored, including
 * those of stateful controls the bench cannot predict one by one.
 */
final class PipelineLag implements AutoCloseable {

    /** Lags up to this many offsets per partition are read to tell transaction markers from records. */
    private static final int MARKERS = 3;

    private final Admin admin;
    private final String kafka;
    private final String evaluationGroup;
    private final String alertingGroup;

    PipelineLag(Stack stack) {
        this.kafka = stack.kafka();
        this.admin = Admin.create(KafkaClients.config(stack.kafka(), Map.of(
                AdminClientConfig.CLIENT_ID_CONFIG, "cw-bench-lag")));
        this.evaluationGroup = System.getenv().getOrDefault("CW_EVALUATION_APP_ID", "controlwatch-evaluation");
        this.alertingGroup = System.getenv().getOrDefault("CW_CONSUMER_GROUP", "controlwatch-alerting");
    }

    long evaluation() throws InterruptedException {
        return lag(evaluationGroup);
    }

    long alerting() throws InterruptedException {
        return lag(alertingGroup);
    }

    private long lag(String group) throws InterruptedException {
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> query = new HashMap<>();
            committed.keySet().forEach(p -> query.put(p, OffsetSpec.latest()));
            var ends = admin.listOffsets(query, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                    .all().get(30, TimeUnit.SECONDS);
            long lag = 0;
            Map<TopicPartition, long[]> small = new HashMap<>();
            for (var e : committed.entrySet()) {
                if (e.getValue() == null || !ends.containsKey(e.getKey())) {
                    continue;
                }
                long from = e.getValue().offset();
                long to = ends.get(e.getKey()).offset();
                if (to - from > MARKERS) {
                    lag += to - from;
                } else if (to > from) {
                    small.put(e.getKey(), new long[]{from, to});
                }
            }
            return lag + records(small);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the consumer lag of " + group, e);
        }
    }

    /**
     * Data records in these offset ranges. A consumer that commits "last processed + 1" stays one offset short of
     * the end of a transactionally written partition: the commit marker takes an offset but is no record.
     */
    private long records(Map<TopicPartition, long[]> ranges) {
        if (ranges.isEmpty()) {
            return 0;
        }
        Map<String, Object> config = KafkaClients.config(kafka, Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.CLIENT_ID_CONFIG, "cw-bench-lag-check"));
        long records = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(ranges.keySet());
            ranges.forEach((p, r) -> consumer.seek(p, r[0]));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            Map<TopicPartition, long[]> open = new HashMap<>(ranges);
            while (!open.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    long[] range = ranges.get(new TopicPartition(r.topic(), r.partition()));
                    if (r.offset() < range[1]) {
                        records++;
                    }
                }
                open.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue()[1]);
            }
            // a range not read through in time counts as pending
            for (var e : open.entrySet()) {
                records += e.getValue()[1] - consumer.position(e.getKey());
            }
        }
        return records;
    }

    @Override
    public void close() {
        admin.close();
    }
}
