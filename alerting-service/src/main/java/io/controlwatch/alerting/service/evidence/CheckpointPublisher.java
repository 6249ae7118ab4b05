package io.controlwatch.alerting.service.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import io.controlwatch.alerting.config.EvidenceConfig;
import io.controlwatch.alerting.logging.AlertingLogging;
import io.controlwatch.alerting.messaging.Channels;
import io.controlwatch.alerting.persistence.NativeSql;
import io.controlwatch.common.messaging.CompactedTopics;
import io.controlwatch.evidence.SignedCheckpoint;
import io.controlwatch.model.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes every signed checkpoint to the compacted topic {@code cw.evidence-checkpoints.v1}: the copy outside
 * PostgreSQL that {@link EvidenceVerification} holds the database against. The checkpoint table is its own outbox
 * ({@code published_at} null until Kafka acknowledged the record, acks=all), so a checkpoint is never signed without
 * being published eventually, and publishing is retried at every tick until the broker takes it.
 * <p>
 * A crash between the broker's acknowledgement and {@code published_at} publishes the checkpoint again: the same key
 * (its sequence) and the same value (its canonical JSON), which compaction and the verifier treat as one. Two instances
 * racing do the same, harmlessly.
 */
@ApplicationScoped
public class CheckpointPublisher {

    static final String PUBLISHED = "cw.evidence.checkpoints.published";
    static final String UNPUBLISHED = "cw.evidence.checkpoints.unpublished";
    static final String UNPUBLISHABLE = "cw.evidence.checkpoints.unpublishable";

    private static final String PENDING = """
            select coalesce(jsonb_agg(p.body order by p.sequence), '[]')::text from (
                select sequence, body from evidence_checkpoint where published_at is null
                order by sequence limit ?1) p
            """;

    private static final String COUNT_PENDING = """
            select cast(count(*) as text) from evidence_checkpoint where published_at is null
            """;

    private static final String MARK = """
            update evidence_checkpoint set published_at = now()
            where sequence in (select cast(jsonb_array_elements_text(cast(cast(?1 as text) as jsonb)) as bigint))
              and published_at is null
            """;

    private final MutinyEmitter<String> topic;
    private final EvidenceConfig config;
    private final Map<String, Object> kafka;
    private final Counter published;
    private final Counter unpublishable;
    private final AtomicLong unpublished = new AtomicLong();
    /**
     * The highest sequence known to be on the topic: what this instance published, and what a read of the topic's
     * tail found (once, at start, off the event loop; again at each tick until one succeeds). Always a lower bound
     * of the topic's true highest sequence, so comparing PostgreSQL's latest checkpoint with it never alarms falsely.
     */
    private final AtomicLong publishedHigh = new AtomicLong();
    private final AtomicBoolean topicRead = new AtomicBoolean();
    private final AtomicBoolean reading = new AtomicBoolean();

    public CheckpointPublisher(@Channel(Channels.CHECKPOINTS_OUT) MutinyEmitter<String> topic, EvidenceConfig config,
                               @Identifier("default-kafka-broker") Map<String, Object> kafka, MeterRegistry registry) {
        this.topic = topic;
        this.config = config;
        this.kafka = kafka;
        this.published = Counter.builder(PUBLISHED).description("Signed evidence checkpoints published to "
                + "cw.evidence-checkpoints.v1 (acknowledged by every in-sync replica)").register(registry);
        this.unpublishable = Counter.builder(UNPUBLISHABLE).description("Stored evidence checkpoints that no longer "
                + "read as one the service signed (edited in PostgreSQL): passed over by the relay, reported by verify")
                .register(registry);
        Gauge.builder(UNPUBLISHED, unpublished, AtomicLong::get).description("Signed evidence checkpoints stored "
                + "in PostgreSQL but not yet on cw.evidence-checkpoints.v1, as the last relay run left them")
                .register(registry);
    }

    void onStart(@Observes StartupEvent start) {
        readTopicHigh();
    }

    /** The highest checkpoint sequence known to be published (0 when none is known). */
    public long publishedHigh() {
        return publishedHigh.get();
    }

    /** Reads the highest published sequence from the topic, on a worker thread, unless done or under way. */
    void readTopicHigh() {
        if (topicRead.get() || !reading.compareAndSet(false, true)) {
            return;
        }
        Infrastructure.getDefaultWorkerPool().execute(() -> {
            try {
                publishedHigh.accumulateAndGet(highestSequence(kafka, config.topicReadTimeout()), Math::max);
                topicRead.set(true);
            } catch (RuntimeException e) {
                AlertingLogging.LOG.checkpointTopicHighUnreadable(String.valueOf(e.getMessage()));
            } finally {
                reading.set(false);
            }
        });
    }

    /** Records read from the end of each partition to find the highest sequence (see {@link #highestSequence}). */
    static final int TAIL = 100;

    /**
     * The highest checkpoint sequence among the last {@value #TAIL} records of each partition of the topic (0 when
     * none). Checkpoints are published in sequence order, so the highest is among the last of its partition (a relay
     * that publishes a batch again after a crash repeats it in order too); records whose key is no sequence are
     * skipped here and reported by verify. A lower bound in any case, which is all the callers rely on; its cost does
     * not grow with the years of checkpoints the topic keeps.
     */
    static long highestSequence(Map<String, Object> kafka, Duration bound) {
        AtomicLong high = new AtomicLong();
        CompactedTopics.readTail(kafka, Topics.EVIDENCE_CHECKPOINTS, TAIL, bound, r -> {
            try {
                high.accumulateAndGet(Long.parseLong(r.key()), Math::max);
            } catch (NumberFormatException notASequence) {
                // not a checkpoint's key: verify reports the record, it raises nothing here
            }
        });
        return high.get();
    }

    /**
     * Publishes the unpublished checkpoints in sequence order, a bounded batch at a time, and marks each once Kafka
     * holds it; stops at the first that fails (the next tick resumes there). Answers how many were published.
     */
    public Uni<Integer> publishPending() {
        readTopicHigh(); // until a read of the topic succeeded
        return Panache.withSession(() -> NativeSql.query(PENDING, config.publishBatch()))
                .chain(pending -> publishInOrder(pending, 0, new ArrayList<>()))
                .call(done -> Panache.withSession(() -> NativeSql.query(COUNT_PENDING))
                        .invoke(left -> unpublished.set(left.asLong())));
    }

    private Uni<Integer> publishInOrder(JsonNode pending, int index, List<Long> sent) {
        if (index == pending.size()) {
            return mark(sent);
        }
        SignedCheckpoint checkpoint;
        try {
            checkpoint = SignedCheckpoint.fromJson(pending.get(index));
        } catch (IllegalArgumentException unreadable) {
            // the row no longer reads as what the service stored: someone edited it. Publishing it would put the
            // edit beside the genuine checkpoints; it is passed over (and marked, so the relay does not stop at it),
            // and verify reports it as missing from the topic
            AlertingLogging.LOG.checkpointUnpublishable(pending.get(index).path("sequence").asText("?"),
                    unreadable.getMessage());
            unpublishable.increment();
            sent.add(pending.get(index).path("sequence").asLong());
            return publishInOrder(pending, index + 1, sent);
        }
        long sequence = checkpoint.checkpoint().sequence();
        OutgoingKafkaRecordMetadata<String> key = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(Long.toString(sequence)).build();
        return topic.sendMessage(Message.of(checkpoint.toJson()).addMetadata(key))
                .chain(() -> {
                    sent.add(sequence);
                    published.increment();
                    publishedHigh.accumulateAndGet(sequence, Math::max);
                    return publishInOrder(pending, index + 1, sent);
                })
                .onFailure().recoverWithUni(f -> {
                    AlertingLogging.LOG.checkpointPublishFailed(sequence, String.valueOf(f.getMessage()));
                    return mark(sent);
                });
    }

    private Uni<Integer> mark(List<Long> sent) {
        if (sent.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        return Panache.withTransaction(() -> NativeSql.update(MARK, NativeSql.write(sent))).replaceWith(sent.size());
    }
}
