package io.controlwatch.alerting.service.evidence;

import io.controlwatch.common.messaging.CompactedTopics;
import io.controlwatch.model.Topics;
import io.controlwatch.testsupport.TestKafka;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the checkpoint publisher learns from the topic at start: the highest sequence, read from the end of each
 * partition only, on a real broker of its own (the shared one holds the other tests' real checkpoints).
 */
class PublishedHighIT {

    @Test
    void theHighestSequenceIsFoundInThePartitionsTailsWhateverCameBefore() throws Exception {
        try (TestKafka.Isolated kafka = TestKafka.isolatedBroker();
             KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                     ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            Map<String, Object> settings = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            assertThat(CheckpointPublisher.highestSequence(settings, Duration.ofSeconds(30))).as("empty topic").isZero();

            // more records per partition than the tail read, in sequence order; a relay that crashed before marking
            // its last batch publishes it again, in order; and a record that is no checkpoint comes last
            int n = 4 * CheckpointPublisher.TAIL * TestKafka.PARTITIONS;
            for (int sequence = 1; sequence <= n; sequence++) {
                producer.send(new ProducerRecord<>(Topics.EVIDENCE_CHECKPOINTS, Long.toString(sequence), "{}"));
            }
            for (int sequence = n - 20; sequence <= n; sequence++) {
                producer.send(new ProducerRecord<>(Topics.EVIDENCE_CHECKPOINTS, Long.toString(sequence), "{}"));
            }
            producer.send(new ProducerRecord<>(Topics.EVIDENCE_CHECKPOINTS, "not-a-sequence", "junk")).get();

            assertThat(CheckpointPublisher.highestSequence(settings, Duration.ofSeconds(30))).isEqualTo(n);

            // the tail read reads no more than the tail of each partition
            AtomicInteger read = new AtomicInteger();
            Map<Integer, Integer> perPartition = new HashMap<>();
            CompactedTopics.readTail(settings, Topics.EVIDENCE_CHECKPOINTS, 5, Duration.ofSeconds(30), r -> {
                read.incrementAndGet();
                perPartition.merge(r.partition(), 1, Integer::sum);
            });
            assertThat(perPartition).hasSize(TestKafka.PARTITIONS).allSatisfy((p, count) -> assertThat(count).isEqualTo(5));
            assertThat(read.get()).isEqualTo(5 * TestKafka.PARTITIONS);
        }
    }
}
