package io.controlwatch.bench;

import io.controlwatch.model.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes records that are not CloudEvents straight to the events topic, around the ingest API (a buggy producer,
 * a corrupted record): the evaluation service must dead-letter each one and go on. Keyed
 * {@code bench-poison-<run id>-<n>} so the checker finds exactly these on the dead-letter topic.
 */
final class PoisonWriter implements AutoCloseable {

    private final KafkaProducer<String, byte[]> producer;
    private final String keyPrefix;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    PoisonWriter(String kafka, String runId) {
        this.producer = new KafkaProducer<>(KafkaClients.config(kafka, Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.CLIENT_ID_CONFIG, "cw-bench-poison")), new StringSerializer(), new ByteArraySerializer());
        this.keyPrefix = keyPrefix(runId);
    }

    static String keyPrefix(String runId) {
        return "bench-poison-" + runId + "-";
    }

    /** Sends one poison record (asynchronously); its kind rotates through the ways a record can be broken. */
    void send() {
        long n = sent.getAndIncrement();
        producer.send(new ProducerRecord<>(Topics.EVENTS, keyPrefix + n, payload(n)), (meta, error) -> {
            if (error == null) {
                acked.incrementAndGet();
            } else {
                failed.incrementAndGet();
            }
        });
    }

    static byte[] payload(long n) {
        String text = switch ((int) (n % 8)) {
            case 0 -> "<event><id>" + n + "</id></event>";                        // not JSON
            case 1 -> "{\"specversion\":\"1.0\",\"id\":\"p" + n + "\",\"type\":\"auth.login\""; // truncated JSON
            case 2 -> "[{\"specversion\":\"1.0\"}]";                              // JSON, but an array
            case 3 -> "{\"specversion\":\"1.0\",\"id\":\"p" + n + "\",\"type\":\"auth.login\"}"; // no source
            case 4 -> "{\"specversion\":\"0.3\",\"id\":\"p" + n + "\",\"source\":\"urn:x\",\"type\":\"auth.login\"}";
            case 5 -> "{\"specversion\":\"1.0\",\"id\":\"p" + n + "\",\"source\":\"urn:x\",\"type\":\"auth.login\",\"time\":\"yesterday\"}";
            case 6 -> "\"just a string\"";
            default -> null;                                                   // empty value
        };
        if (text == null) {
            return new byte[0];
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Waits for every send to be acknowledged or failed; returns the number acknowledged. */
    long flush() {
        producer.flush();
        return acked.get();
    }

    long failed() {
        return failed.get();
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(10));
    }
}
