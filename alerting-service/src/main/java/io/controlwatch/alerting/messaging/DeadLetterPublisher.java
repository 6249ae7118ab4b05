package io.controlwatch.alerting.messaging;

import io.controlwatch.model.DeadLetterHeaders;
import io.controlwatch.model.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import io.controlwatch.alerting.logging.AlertingLogging;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Sends records that cannot be read to a dead-letter topic, with the reason and origin in headers, and completes
 * only once Kafka holds them: their offsets are committed after that, never before.
 */
@ApplicationScoped
@Startup // created at start, so its counters exist at zero before the first dead letter
public class DeadLetterPublisher {

    /** A record to dead-letter and why. */
    public record Rejected(ConsumerRecord<String, String> record, String reasonCode, String reason) {
    }

    private final MutinyEmitter<String> emitter;
    private final MeterRegistry registry;

    public DeadLetterPublisher(@Channel(Channels.DEAD_LETTERS_OUT) MutinyEmitter<String> emitter, MeterRegistry registry) {
        this.emitter = emitter;
        this.registry = registry;
        // the reasons known in advance exist at zero (store-rejected-<SQLSTATE> appear when they first happen)
        for (String reason : java.util.List.of("empty", "invalid-json", "incomplete-execution", "store-failed")) {
            registry.counter("cw.executions.dead.lettered", "reason", reason);
        }
    }

    public Uni<Void> send(String deadLetterTopic, List<Rejected> rejected) {
        if (rejected.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Uni<Void>> sends = rejected.stream().map(r -> send(deadLetterTopic, r)).toList();
        return Uni.join().all(sends).andFailFast().replaceWithVoid();
    }

    private Uni<Void> send(String topic, Rejected rejected) {
        ConsumerRecord<String, String> record = rejected.record();
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        headers.add(DeadLetterHeaders.REASON, bytes(rejected.reason()));
        headers.add(DeadLetterHeaders.REASON_CODE, bytes(rejected.reasonCode()));
        headers.add(DeadLetterHeaders.TOPIC, bytes(record.topic()));
        headers.add(DeadLetterHeaders.PARTITION, bytes(String.valueOf(record.partition())));
        headers.add(DeadLetterHeaders.OFFSET, bytes(String.valueOf(record.offset())));
        AlertingLogging.LOG.deadLettered(record.topic(), record.partition(), record.offset(), topic,
                rejected.reasonCode(), rejected.reason());
        if (Topics.EXECUTIONS.equals(record.topic())) {
            registry.counter("cw.executions.dead.lettered", "reason", rejected.reasonCode()).increment();
        } else {
            registry.counter("cw.records.dead.lettered", "topic", record.topic(), "reason", rejected.reasonCode()).increment();
        }
        OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withTopic(topic).withKey(record.key()).withHeaders(headers).build();
        return emitter.sendMessage(Message.of(record.value() == null ? "" : record.value()).addMetadata(metadata));
    }

    private static byte[] bytes(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
