package io.controlwatch.ingest.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.common.messaging.CompactedTopics;
import io.controlwatch.ingest.logging.IngestLogging;
import io.controlwatch.model.ModelJson;
import io.controlwatch.model.Topics;
import io.controlwatch.sources.AdapterStateStore;
import io.controlwatch.sources.InMemoryAdapterStateStore;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.Record;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * The adapters' state (GitHub reviews per pull request, branch rules, merge commits; Okta second factors), durable on
 * the compacted topic {@link Topics#ADAPTER_STATE} and shared by every ingest instance: each holds the whole state in
 * memory (small: bounded values with a time to live), reads the topic to its end at start-up and then follows it.
 * Ingest has no database of its own; the topic gives durability and sharing the way the source registry does.
 * <p>
 * Writes go through: applied here at once (so the next delivery on this instance sees them) and sent to Kafka in call
 * order. A delivery collects its writes ({@link #begin()} … {@link #written()}) and is answered 2xx only once Kafka
 * acknowledged them with its raw payload and events, so a vendor that got its 2xx never depends on state that was lost.
 * Another instance sees a write once its follower reads it (usually within a second): a review delivered to one
 * instance and the merge delivered to another a moment later may miss it (docs/sources/github.md, limits).
 */
public final class DurableAdapterStateStore implements AdapterStateStore {

    /** Kafka header naming the instance that wrote a record: its own records are not applied twice by its follower. */
    public static final String INSTANCE_HEADER = "cw-instance";

    private final InMemoryAdapterStateStore entries;
    private final Map<TopicPartition, Long> followFrom;
    private final String instance = UUID.randomUUID().toString();
    private final Clock clock;
    private final Function<Message<Record<String, String>>, Uni<Void>> sender;
    private final ThreadLocal<List<Uni<Void>>> pending = new ThreadLocal<>();

    private DurableAdapterStateStore(InMemoryAdapterStateStore read, Map<TopicPartition, Long> followFrom, Clock clock,
                                     Function<Message<Record<String, String>>, Uni<Void>> sender) {
        this.entries = read;
        this.followFrom = Map.copyOf(followFrom);
        this.clock = clock;
        this.sender = sender;
    }

    /** Reads the state topic to its end (blocking, bounded by {@code bound}); {@code sender} writes a record. */
    public static DurableAdapterStateStore startingFrom(Map<String, Object> kafka, Duration bound, Clock clock,
                                                        Function<Message<Record<String, String>>, Uni<Void>> sender) {
        InMemoryAdapterStateStore read = new InMemoryAdapterStateStore(clock);
        Map<TopicPartition, Long> end = Map.of();
        try {
            end = CompactedTopics.readToEnd(kafka, Topics.ADAPTER_STATE, bound, false, record -> apply(read, record));
        } catch (RuntimeException e) {
            // the follower then reads from the beginning (no end offsets)
            IngestLogging.LOG.sourceRegistryUnreadable(Topics.ADAPTER_STATE, e.toString());
        }
        return new DurableAdapterStateStore(read, end, clock, sender);
    }

    public Map<TopicPartition, Long> followFrom() {
        return followFrom;
    }

    /** Starts collecting this thread's writes (one delivery is mapped on one thread). */
    public void begin() {
        pending.set(new ArrayList<>());
    }

    /** Completes once Kafka acknowledged every write since {@link #begin()}; stops collecting. */
    public Uni<Void> written() {
        List<Uni<Void>> writes = pending.get();
        pending.remove();
        return writes == null || writes.isEmpty() ? Uni.createFrom().voidItem()
                : Uni.join().all(writes).andFailFast().replaceWithVoid();
    }

    @Override
    public Optional<JsonNode> get(String key) {
        return entries.get(key);
    }

    @Override
    public void put(String key, JsonNode value, Duration ttl) {
        Instant expiresAt = entries.putExpiring(key, value, ttl); // checks the key and the value's size
        ObjectNode stored = ModelJson.mapper().createObjectNode();
        stored.set("value", value);
        stored.put("expiresAt", expiresAt.toString());
        try {
            send(key, ModelJson.mapper().writeValueAsString(stored));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a state value that serialized a moment ago does not", e);
        }
    }

    @Override
    public void delete(String key) {
        if (entries.remove(key)) {
            send(key, null); // a tombstone: compaction drops the key
        }
    }

    /** A record of the state topic that arrived after start-up (through the follower channel). */
    public void follow(ConsumerRecord<String, String> record) {
        Header writer = record.headers().lastHeader(INSTANCE_HEADER);
        if (writer != null && instance.equals(new String(writer.value(), StandardCharsets.UTF_8))) {
            return; // applied when written; applying it again could undo a later local write
        }
        apply(entries, record);
    }

    /** Entries held now (expired ones included until read); for tests and the operator's curiosity. */
    public int size() {
        return entries.size();
    }

    private void send(String key, String json) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(INSTANCE_HEADER, instance.getBytes(StandardCharsets.UTF_8));
        Message<Record<String, String>> message = Message.of(Record.of(key, json))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).withHeaders(headers).build());
        // sent now, in call order; awaited by the delivery that made it (or only logged when made outside one)
        Uni<Void> ack = sender.apply(message).memoize().indefinitely();
        ack.subscribe().with(ignored -> {
        }, failure -> IngestLogging.LOG.adapterStateNotWritten(key, failure.toString()));
        List<Uni<Void>> writes = pending.get();
        if (writes != null) {
            writes.add(ack);
        }
    }

    private static void apply(InMemoryAdapterStateStore into, ConsumerRecord<String, String> record) {
        if (record.key() == null) {
            return;
        }
        try {
            JsonNode stored = record.value() == null ? null : ModelJson.mapper().readTree(record.value());
            if (stored == null || stored.get("value") == null) {
                into.remove(record.key()); // a tombstone
                return;
            }
            into.restore(record.key(), stored.get("value"), Instant.parse(stored.path("expiresAt").asText()));
        } catch (JsonProcessingException | RuntimeException e) {
            IngestLogging.LOG.sourceRecordUnreadable(record.key(), "adapter state: " + e.getClass().getSimpleName());
        }
    }
}
