package io.controlwatch.evaluation.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.controlwatch.common.messaging.CompactedTopics;
import io.controlwatch.engine.Control;
import io.controlwatch.engine.ControlPack;
import io.controlwatch.engine.ControlPackLoader;
import io.controlwatch.evaluation.logging.EvaluationLogging;
import io.controlwatch.model.CloudEvent;
import io.controlwatch.model.ModelJson;
import io.controlwatch.model.PackVersion;
import io.controlwatch.model.Topics;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.transactions.KafkaTransactions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Which control pack runs, for every evaluation instance at once. The compacted topic {@link Topics#PACKS} holds the
 * active pack and every version ever activated. Each instance reads it to its end before it evaluates anything
 * ({@link #startingFrom}), then follows it from exactly there through a Reactive Messaging channel
 * ({@code PackRegistryChannels}): a version activated through the admin API reaches all instances without a restart.
 * <p>
 * At start-up the configured pack (bundled or {@code CW_EVALUATION_PACK}) becomes active unless an admin activated
 * another one through the API: an admin's decision outlives restarts, a release's new bundled pack replaces an older
 * bundled one. An activation writes three records in one Kafka transaction — the version, the active pointer and a
 * {@code controlwatch.pack.activated} CloudEvent on the events topic (changes to the controls are audit evidence too)
 * — so no instance ever sees one without the others.
 */
public final class PackRegistry {

    public static final String AUDIT_EVENT_TYPE = "controlwatch.pack.activated";
    public static final String AUDIT_SOURCE = "urn:controlwatch:evaluation";
    private static final Duration STARTUP_READ = Duration.ofSeconds(30);
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);

    /** What changed between two pack versions, by control id. */
    public record Change(PackVersion activated, List<String> added, List<String> removed, List<String> changed) {
    }

    private final ActivePack active;
    private final Clock clock;
    private final KafkaTransactions<String> transactions;
    private final Map<String, PackVersion> history = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<PackVersion>> awaited = new ConcurrentHashMap<>();
    private final List<Consumer<ControlPack>> listeners = new CopyOnWriteArrayList<>();
    /** Where following the topic begins: the end offsets the start-up read reached. */
    private final Map<TopicPartition, Long> followFrom;
    /** The version this instance started with, when it still has to be recorded. */
    private final PackVersion unrecorded;
    private final ControlPack unrecordedPrevious;
    private volatile PackVersion current;

    private PackRegistry(ActivePack active, Clock clock, KafkaTransactions<String> transactions,
                         Map<String, PackVersion> history, Map<TopicPartition, Long> followFrom, PackVersion current,
                         PackVersion unrecorded, ControlPack unrecordedPrevious) {
        this.active = active;
        this.clock = clock;
        this.transactions = transactions;
        this.history.putAll(history);
        this.followFrom = Map.copyOf(followFrom);
        this.current = current;
        this.unrecorded = unrecorded;
        this.unrecordedPrevious = unrecordedPrevious;
    }

    /**
     * Reads the registry to its end (blocking, bounded) with a short-lived consumer configured like every other
     * Kafka client of the service, and decides which pack this instance starts with.
     *
     * @param kafka the service's Kafka client settings (bootstrap servers and security)
     */
    public static PackRegistry startingFrom(Map<String, Object> kafka, ControlPack configured, String configuredFrom,
                                            Clock clock, String instance, KafkaTransactions<String> transactions,
                                            io.controlwatch.engine.StatefulRuntime.Settings settings) {
        Map<String, PackVersion> history = new HashMap<>();
        Map<TopicPartition, Long> end = new HashMap<>();
        PackVersion stored = readToEnd(kafka, history, end);
        ControlPack start = configured;
        if (stored != null && stored.fromApi()) {
            try {
                start = ControlPackLoader.parse(stored.yaml(), "registry:" + stored.version());
                EvaluationLogging.LOG.registryRunsActivated(start.name(), start.version(), stored.activatedBy(),
                        String.valueOf(stored.activatedAt()), configuredFrom);
            } catch (RuntimeException e) {
                EvaluationLogging.LOG.registryActiveDoesNotLoad(stored.version(), e.getMessage(), configuredFrom);
                stored = null;
            }
        }
        ActivePack active = new ActivePack(start, settings);
        PackVersion current = stored != null && stored.version().equals(start.version()) ? stored : null;
        PackVersion unrecorded = null;
        if (current == null) {
            unrecorded = new PackVersion(start.name(), start.version(), start.yaml(), "config:" + configuredFrom,
                    instance, clock.instant(), stored == null ? null : stored.version());
            current = unrecorded;
        }
        return new PackRegistry(active, clock, transactions, history, end, current, unrecorded,
                stored == null ? null : parseQuietly(stored));
    }

    /** Records the pack this instance started with, if the registry did not hold it yet. Retries in the background. */
    public void recordStartedVersion() {
        if (unrecorded == null) {
            return;
        }
        Uni.createFrom().deferred(() -> write(unrecorded, unrecordedPrevious))
                .onFailure().invoke(e -> EvaluationLogging.LOG.registryCannotRecord(unrecorded.version(), e.toString()))
                .onFailure().retry().withBackOff(Duration.ofSeconds(1), Duration.ofSeconds(30)).atMost(20)
                .subscribe().with(ignored -> { }, e -> { });
    }

    public ActivePack activePack() {
        return active;
    }

    public PackVersion current() {
        return current;
    }

    /** Offsets from which the follower channel continues where the start-up read stopped. */
    public Map<TopicPartition, Long> followFrom() {
        return followFrom;
    }

    /** Every version ever activated, newest first. */
    public List<PackVersion> versions() {
        List<PackVersion> all = new ArrayList<>(history.values());
        all.sort(Comparator.comparing(PackVersion::activatedAt, Comparator.nullsLast(Comparator.reverseOrder())));
        return all;
    }

    public PackVersion version(String version) {
        return history.get(version);
    }

    /** Called with each newly activated pack, after it took effect on this instance. */
    public void onActivation(Consumer<ControlPack> listener) {
        listeners.add(listener);
    }

    /**
     * Validates and activates a pack for all instances. Throws {@link io.controlwatch.engine.ControlPackException}
     * for an invalid pack (the running version stays). Returns once this instance runs the new version.
     */
    public synchronized Change activate(String yaml, String activatedBy) {
        ControlPack pack = ControlPackLoader.parse(yaml, "api upload by " + activatedBy);
        ControlPack previous = active.get().pack();
        PackVersion version = new PackVersion(pack.name(), pack.version(), yaml, "api", activatedBy, clock.instant(),
                previous.version());
        CompletableFuture<PackVersion> applied = awaited.computeIfAbsent(version.version(), v -> new CompletableFuture<>());
        try {
            Change change = write(version, previous).await().atMost(WRITE_TIMEOUT);
            applied.get(20, TimeUnit.SECONDS);
            return change;
        } catch (Exception e) {
            throw new IllegalStateException("pack " + version.version() + " was not applied here in time: " + e, e);
        } finally {
            awaited.remove(version.version());
        }
    }

    /** The version, the active pointer and (when the version changes) the audit event, in one transaction. */
    private Uni<Change> write(PackVersion version, ControlPack previous) {
        Change change = diff(version, previous);
        String json;
        Message<String> audit;
        try {
            json = ModelJson.mapper().writeValueAsString(version);
            audit = previous == null || !previous.version().equals(version.version()) ? auditEvent(change) : null;
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        return transactions.withTransaction(emitter -> {
            emitter.send(record(Topics.PACKS, PackVersion.VERSION_KEY_PREFIX + version.version(), json, new RecordHeaders()));
            emitter.send(record(Topics.PACKS, PackVersion.ACTIVE_KEY, json, new RecordHeaders()));
            if (audit != null) {
                emitter.send(audit);
            }
            return Uni.createFrom().item(change);
        });
    }

    private static Message<String> record(String topic, String key, String value, RecordHeaders headers) {
        return Message.of(value).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withTopic(topic).withKey(key).withHeaders(headers).build());
    }

    private static Message<String> auditEvent(Change change) throws JsonProcessingException {
        PackVersion v = change.activated();
        Map<String, Object> data = new HashMap<>();
        data.put("pack", v.name());
        data.put("version", v.version());
        data.put("previousVersion", v.previousVersion());
        data.put("origin", v.origin());
        data.put("activatedBy", v.activatedBy());
        data.put("added", change.added());
        data.put("removed", change.removed());
        data.put("changed", change.changed());
        // deterministic id: instances starting together publish the same event, which is stored once
        String id = UUID.nameUUIDFromBytes((v.previousVersion() + "->" + v.version() + "@" + v.origin())
                .getBytes(StandardCharsets.UTF_8)).toString();
        Map<String, Object> event = new HashMap<>();
        event.put("specversion", CloudEvent.SPEC_VERSION);
        event.put("id", id);
        event.put("source", AUDIT_SOURCE);
        event.put("type", AUDIT_EVENT_TYPE);
        event.put("subject", v.name());
        event.put("time", v.activatedAt().toString());
        event.put("datacontenttype", "application/json");
        event.put("data", data);
        event.put(CloudEvent.SUBMITTER, v.activatedBy());
        RecordHeaders headers = new RecordHeaders();
        headers.add("content-type", CloudEvent.MEDIA_TYPE.getBytes(StandardCharsets.UTF_8));
        return record(Topics.EVENTS, v.name(), ModelJson.mapper().writeValueAsString(event), headers);
    }

    private static Change diff(PackVersion version, ControlPack previous) {
        ControlPack next = parseQuietly(version);
        Map<String, String> before = new HashMap<>();
        if (previous != null) {
            previous.controls().forEach(c -> before.put(c.id(), c.version()));
        }
        Set<String> added = new TreeSet<>();
        Set<String> changed = new TreeSet<>();
        Set<String> removed = new TreeSet<>(before.keySet());
        if (next != null) {
            for (Control c : next.controls()) {
                removed.remove(c.id());
                if (!before.containsKey(c.id())) {
                    added.add(c.id());
                } else if (!before.get(c.id()).equals(c.version())) {
                    changed.add(c.id());
                }
            }
        }
        return new Change(version, List.copyOf(added), List.copyOf(removed), List.copyOf(changed));
    }

    private static ControlPack parseQuietly(PackVersion version) {
        try {
            return ControlPackLoader.parse(version.yaml(), "registry:" + version.version());
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * Reads {@link Topics#PACKS} from the beginning to its current end (committed records only); fills the history
     * and the end offsets; returns the active version, if any.
     */
    private static PackVersion readToEnd(Map<String, Object> kafka, Map<String, PackVersion> history,
                                         Map<TopicPartition, Long> endOffsets) {
        PackVersion[] active = {null};
        try {
            endOffsets.putAll(CompactedTopics.readToEnd(kafka, Topics.PACKS, STARTUP_READ, true, record -> {
                PackVersion v = read(record);
                if (v != null) {
                    history.put(v.version(), v);
                    if (PackVersion.ACTIVE_KEY.equals(record.key())) {
                        active[0] = v;
                    }
                }
            }));
            return active[0];
        } catch (RuntimeException e) {
            EvaluationLogging.LOG.registryCannotRead(Topics.PACKS, e.toString());
            return null;
        }
    }

    private static PackVersion read(ConsumerRecord<String, String> record) {
        if (record.value() == null) {
            return null;
        }
        try {
            return ModelJson.mapper().readValue(record.value(), PackVersion.class);
        } catch (JsonProcessingException e) {
            EvaluationLogging.LOG.registryUnreadableRecord(record.key(), Topics.PACKS, e.getOriginalMessage());
            return null;
        }
    }

    /** A record of the registry topic that arrived after start-up (through the follower channel). */
    public void follow(ConsumerRecord<String, String> record) {
        PackVersion v = read(record);
        if (v == null) {
            return;
        }
        history.put(v.version(), v);
        if (PackVersion.ACTIVE_KEY.equals(record.key())) {
            apply(v);
        }
    }

    private void apply(PackVersion v) {
        if (!v.version().equals(active.get().pack().version())) {
            ControlPack pack = parseQuietly(v);
            if (pack == null) {
                EvaluationLogging.LOG.registryIgnoresActive(v.version());
                return;
            }
            active.activate(pack);
            EvaluationLogging.LOG.packActivated(pack.name(), pack.version(), pack.controls().size(), v.activatedBy(),
                    String.valueOf(v.previousVersion()));
            listeners.forEach(l -> l.accept(pack));
        }
        current = v;
        CompletableFuture<PackVersion> waiting = awaited.get(v.version());
        if (waiting != null) {
            waiting.complete(v);
        }
    }
}
