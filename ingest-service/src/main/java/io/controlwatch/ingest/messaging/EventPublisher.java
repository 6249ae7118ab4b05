package io.controlwatch.ingest.messaging;

import io.controlwatch.ingest.service.AcceptedEvent;
import io.controlwatch.model.CloudEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Publishes accepted events to Kafka and completes only when the broker acknowledged every one of them
 * (acks=all, idempotent producer: see application.properties). The caller answers 2xx only after that.
 */
@ApplicationScoped
public class EventPublisher {

    /** Kafka header naming who submitted the event (also in the event as {@code cwsubmitter}). */
    public static final String SUBMITTER_HEADER = "cw-submitter";

    private final MutinyEmitter<String> emitter;
    private final MutinyEmitter<byte[]> raw;

    public EventPublisher(
            // a few full batches (1,000 events each) may wait for the producer at once
            @Channel(Channels.EVENTS_OUT) @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 8192)
            MutinyEmitter<String> emitter,
            @Channel(Channels.RAW_OUT) @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 256)
            MutinyEmitter<byte[]> raw) {
        this.emitter = emitter;
        this.raw = raw;
    }

    /**
     * Writes a vendor delivery exactly as received to {@code cw.raw.v1}, keyed by its reference, with the delivery's
     * headers (those the adapters read to map it again) as Kafka headers; completes once the broker acknowledged it.
     */
    public Uni<Void> publishRaw(String reference, byte[] body, Map<String, String> headers) {
        RecordHeaders kafkaHeaders = new RecordHeaders();
        headers.forEach((name, value) -> kafkaHeaders.add(name, value.getBytes(StandardCharsets.UTF_8)));
        OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(reference)
                .withHeaders(kafkaHeaders)
                .build();
        return raw.sendMessage(Message.of(body).addMetadata(metadata));
    }

    public Uni<Void> publishAll(List<AcceptedEvent> events) {
        List<Uni<Void>> acks = events.stream().map(this::publish).toList();
        return Uni.join().all(acks).andFailFast().replaceWithVoid();
    }

    private Uni<Void> publish(AcceptedEvent event) {
        RecordHeaders headers = new RecordHeaders();
        // CloudEvents Kafka protocol binding, structured content mode
        headers.add("content-type", CloudEvent.MEDIA_TYPE.getBytes(StandardCharsets.UTF_8));
        headers.add(SUBMITTER_HEADER, event.submitter().getBytes(StandardCharsets.UTF_8));
        OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(event.partitionKey())
                .withHeaders(headers)
                .build();
        return emitter.sendMessage(Message.of(event.json()).addMetadata(metadata));
    }
}
