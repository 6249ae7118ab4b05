package io.controlwatch.ingest.messaging;

import io.controlwatch.ingest.service.AcceptedEvent;
import io.controlwatch.model.CloudEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaProducer;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Publishes accepted events to Kafka and completes only when the broker acknowledged every one of them
 * (acks=all, idempotent producer: see application.properties). The caller answers 2xx only after that.
 * <p>
 * A request's events go to the {@code events-out} channel's producer in one task on its sending thread, each with a
 * callback that counts the acknowledgements down, instead of one Reactive Messaging message per event: the
 * per-message path (a message, its metadata, a hop to the sending thread, an acknowledgement and a {@code Uni} per
 * event, joined again) was most of ingest's produce cost (issue 14; BENCHMARKS.md, "The ninth round"). The producer
 * is still the channel's: its configuration, client id and health check stay where they were.
 */
@ApplicationScoped
public class EventPublisher {

    /** Kafka header naming who submitted the event (also in the event as {@code cwsubmitter}). */
    public static final String SUBMITTER_HEADER = "cw-submitter";

    private static final byte[] CONTENT_TYPE = CloudEvent.MEDIA_TYPE.getBytes(StandardCharsets.UTF_8);

    private final KafkaClientService clients;
    private final String topic;
    private final MutinyEmitter<byte[]> raw;
    private volatile KafkaProducer<String, String> producer;

    public EventPublisher(
            KafkaClientService clients,
            @ConfigProperty(name = "mp.messaging.outgoing.events-out.topic")
            String topic,
            // Declares the events-out channel, so that Reactive Messaging creates its producer (used below); no
            // message is sent through it
            @Channel(Channels.EVENTS_OUT) MutinyEmitter<String> events,
            @Channel(Channels.RAW_OUT) @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 256)
            MutinyEmitter<byte[]> raw) {
        this.clients = clients;
        this.topic = topic;
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

    /**
     * Sends the events in their order and completes once the broker acknowledged all of them; fails on the first
     * that it did not (the others may be in Kafka: a retry is safe, execution ids are derived from the event's id).
     * Safe to call from any thread: the sends run on the producer's sending thread, where a send may block (metadata,
     * a full buffer) for at most the producer's {@code max.block.ms}.
     */
    public Uni<Void> publishAll(List<AcceptedEvent> events) {
        if (events.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Function<Producer<String, String>, CompletableFuture<Void>> sendAll = kafka -> send(kafka, events);
        // every failure, the producer's lookup included, reaches the caller through the Uni: a 503, never a 500
        return Uni.createFrom().item(this::producer)
                .chain(channelProducer -> channelProducer.runOnSendingThread(sendAll))
                .chain(acknowledged -> Uni.createFrom().completionStage(acknowledged));
    }

    private CompletableFuture<Void> send(Producer<String, String> kafka, List<AcceptedEvent> events) {
        Acknowledgements acknowledgements = new Acknowledgements(events.size());
        for (AcceptedEvent event : events) {
            if (acknowledgements.isDone()) {
                break; // one failed already: the request fails, sending the rest would only add duplicates to retry
            }
            RecordHeaders headers = new RecordHeaders();
            // CloudEvents Kafka protocol binding, structured content mode
            headers.add("content-type", CONTENT_TYPE);
            headers.add(SUBMITTER_HEADER, event.submitter().getBytes(StandardCharsets.UTF_8));
            try {
                kafka.send(new ProducerRecord<>(topic, null, event.partitionKey(), event.json(), headers), acknowledgements);
            } catch (RuntimeException e) {
                // e.g. no metadata within max.block.ms: the producer throws instead of calling back. Not swallowed:
                // it fails the request, which answers 503 (nothing confirmed, the client retries) and logs CW001000
                acknowledgements.onCompletion(null, e);
            }
        }
        return acknowledgements;
    }

    private KafkaProducer<String, String> producer() {
        KafkaProducer<String, String> current = producer;
        if (current == null) {
            current = clients.getProducer(Channels.EVENTS_OUT);
            if (current == null) {
                throw new IllegalStateException("no Kafka producer for channel " + Channels.EVENTS_OUT);
            }
            producer = current;
        }
        return current;
    }

    /** Completes when every record of a request was acknowledged, or exceptionally at the first that was not. */
    private static final class Acknowledgements extends CompletableFuture<Void> implements Callback {
        private final AtomicInteger waiting;

        Acknowledgements(int records) {
            this.waiting = new AtomicInteger(records);
        }

        @Override
        public void onCompletion(RecordMetadata metadata, Exception exception) {
            if (exception != null) {
                completeExceptionally(exception);
            } else if (waiting.decrementAndGet() == 0) {
                complete(null);
            }
        }
    }
}
