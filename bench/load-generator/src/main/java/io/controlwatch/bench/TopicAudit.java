package io.controlwatch.bench;

import io.controlwatch.model.DeadLetterHeaders;
import io.controlwatch.model.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reads the run's records back from Kafka: its events on {@code cw.events.v1}, its executions on
 * {@code cw.executions.v1} (committed only, as the alerting service reads them) and its poison records on the
 * dead-letter topic. Shows loss before PostgreSQL and duplicates that the evidence store's primary key would hide.
 */
final class TopicAudit {

    /**
     * @param eventCopies     per seq: how often the event is on the events topic (2+ after a client retry)
     * @param executionCopies per seq: how many committed execution records of the MFA control name it
     * @param eosDuplicates   execution records beyond one per copy of the event: an exactly-once violation
     */
    record Result(int[] eventCopies, int[] executionCopies, long eosDuplicates, long deadLetters,
                  long deadLettersWithoutReason) {
    }

    private TopicAudit() {
    }

    static Result audit(Stack stack, EventFactory factory, long events, long fromMs, String poisonKeyPrefix) {
        int[] eventCopies = new int[(int) events];
        int[] executionCopies = new int[(int) events];
        String idMarker = "\"id\":\"" + factory.id(0).substring(0, factory.id(0).length() - 1);
        String sourceMarker = "\"eventSource\":\"" + factory.source() + "\"";
        // only the MFA control's executions: other controls of the pack may test the same events too
        String controlMarker = "\"controlId\":\"" + EventFactory.CONTROL + "\"";
        String eventIdMarker = "\"eventId\":\"" + factory.id(0).substring(0, factory.id(0).length() - 1);

        read(stack, Topics.EVENTS, "read_uncommitted", fromMs, record -> {
            String value = record.value() == null ? "" : new String(record.value(), StandardCharsets.UTF_8);
            long seq = seqAfter(value, idMarker);
            if (seq >= 0 && seq < events && value.contains(factory.source())) {
                eventCopies[(int) seq]++;
            }
        });
        read(stack, Topics.EXECUTIONS, "read_committed", fromMs, record -> {
            String value = record.value() == null ? "" : new String(record.value(), StandardCharsets.UTF_8);
            if (value.contains(sourceMarker) && value.contains(controlMarker)) {
                long seq = seqAfter(value, eventIdMarker);
                if (seq >= 0 && seq < events) {
                    executionCopies[(int) seq]++;
                }
            }
        });
        long[] dlq = new long[2];
        if (poisonKeyPrefix != null) {
            read(stack, Topics.EVENTS_DEAD_LETTER, "read_committed", fromMs, record -> {
                if (record.key() != null && record.key().startsWith(poisonKeyPrefix)) {
                    dlq[0]++;
                    if (record.headers().lastHeader(DeadLetterHeaders.REASON) == null
                            || record.headers().lastHeader(DeadLetterHeaders.REASON_CODE) == null) {
                        dlq[1]++;
                    }
                }
            });
        }
        long eos = 0;
        for (int i = 0; i < events; i++) {
            eos += Math.max(0, executionCopies[i] - Math.max(eventCopies[i], executionCopies[i] > 0 ? 1 : 0));
        }
        return new Result(eventCopies, executionCopies, eos, dlq[0], dlq[1]);
    }

    /** The number right after {@code marker} (e.g. the seq after {@code "id":"<run>-}), or -1. */
    static long seqAfter(String value, String marker) {
        int at = value.indexOf(marker);
        if (at < 0) {
            return -1;
        }
        int from = at + marker.length();
        int to = from;
        while (to < value.length() && Character.isDigit(value.charAt(to))) {
            to++;
        }
        if (to == from || to >= value.length() || value.charAt(to) != '"') {
            return -1;
        }
        return Long.parseLong(value, from, to, 10);
    }

    /** Reads {@code topic} from the first record at or after {@code fromMs} to its end as of now. */
    private static void read(Stack stack, String topic, String isolation, long fromMs,
                             Consumer<ConsumerRecord<String, byte[]>> each) {
        Map<String, Object> config = KafkaClients.config(stack.kafka(), Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000,
                ConsumerConfig.CLIENT_ID_CONFIG, "cw-bench-audit"));
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            Map<TopicPartition, Long> query = new HashMap<>();
            partitions.forEach(p -> query.put(p, fromMs));
            Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(query, Duration.ofSeconds(30));
            Map<TopicPartition, Long> remaining = new HashMap<>();
            for (TopicPartition p : partitions) {
                OffsetAndTimestamp start = starts.get(p);
                long from = start == null ? ends.get(p) : start.offset();
                consumer.seek(p, from);
                if (from < ends.get(p)) {
                    remaining.put(p, ends.get(p));
                }
            }
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (!remaining.isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end within 3 minutes");
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    TopicPartition p = new TopicPartition(r.topic(), r.partition());
                    Long end = ends.get(p);
                    if (r.offset() < end) {
                        each.accept(r);
                    }
                }
                // transaction markers and aborted records are skipped, so compare positions, not offsets seen
                remaining.keySet().removeIf(p -> consumer.position(p) >= remaining.get(p));
            }
        }
    }
}
