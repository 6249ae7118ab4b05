package io.controlwatch.evaluation.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.controlwatch.engine.Control;
import io.controlwatch.engine.ControlPack;
import io.controlwatch.engine.ControlPackLoader;
import io.controlwatch.model.CloudEvent;
import io.controlwatch.model.ModelJson;
import io.controlwatch.model.PackVersion;
import io.controlwatch.model.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

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
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Which control pack runs, for every evaluation instance at once. The compacted topic {@link Topics#PACKS} holds
 * the active pack and every version ever activated. Each instance reads it to the end before it evaluates anything,
 * then follows it: a version activated through the admin API reaches all instances without a restart.
 * <p>
 * At start-up the configured pack (bundled or {@code CW_EVALUATION_PACK}) becomes active unless an admin activated
 * another one through the API: an admin's decision outlives restarts, a release's new bundled pack replaces an
 * older bundled one. Every change of the active version is also published as a CloudEvent
 * ({@code controlwatch.pack.activated}) on the events topic: changes to the controls are audit evidence too.
 */
public final class PackRegistry implements AutoCloseable {

    public static final String AUDIT_EVENT_TYPE = "controlwatch.pack.activated";
    public static final String AUDIT_SOURCE = "urn:controlwatch:evaluation";
    private static final Logger LOG = Logger.getLogger(PackRegistry.class);
    private static final Duration STARTUP_READ = Duration.ofSeconds(30);

    /** What changed between two pack versions, by control id. */
    public record Change(PackVersion activated, List<String> added, List<String> removed, List<String> changed) {
    }

    private final ActivePack active;
    private final Clock clock;
    private final String instance;
    private final KafkaProducer<String, String> producer;
    private final KafkaConsumer<String, String> consumer;
    private final Map<String, PackVersion> history = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<PackVersion>> awaited = new ConcurrentHashMap<>();
    private final List<Consumer<ControlPack>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile PackVersion current;
    private volatile boolean running = true;
    private final Thread follower;

    private PackRegistry(String bootstrapServers, ControlPack configured, String configuredFrom, Clock clock, String instance) {
        this.clock = clock;
        this.instance = instance;
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000), new StringSerializer(), new StringSerializer());
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000), new StringDeserializer(), new StringDeserializer());

        PackVersion stored = readToEnd();
        ControlPack start = configured;
        if (stored != null && stored.fromApi()) {
            try {
                start = ControlPackLoader.parse(stored.yaml(), "registry:" + stored.version());
                LOG.infof("CW-PACK-REGISTRY running pack %s %s activated by %s at %s (it takes precedence over %s)",
                        start.name(), start.version(), stored.activatedBy(), stored.activatedAt(), configuredFrom);
            } catch (RuntimeException e) {
                LOG.errorf("CW-PACK-REGISTRY the active pack %s no longer loads (%s); running %s instead",
                        stored.version(), e.getMessage(), configuredFrom);
                stored = null;
            }
        }
        this.active = new ActivePack(start);
        this.current = stored != null && stored.version().equals(start.version()) ? stored : null;
        if (current == null) {
            PackVersion version = new PackVersion(start.name(), start.version(), start.yaml(), "config:" + configuredFrom,
                    instance, clock.instant(), stored == null ? null : stored.version());
            try {
                publish(version, stored == null ? null : parseQuietly(stored));
            } catch (RuntimeException e) {
                LOG.warnf("CW-PACK-REGISTRY cannot record the started pack %s yet: %s", start.version(), e.toString());
            }
            current = version;
        }
        this.follower = new Thread(this::follow, "pack-registry-follower");
        follower.setDaemon(true);
        follower.start();
    }

    /** Reads the registry (blocking, bounded) and returns the active version, after which it follows changes. */
    public static PackRegistry start(String bootstrapServers, ControlPack configured, String configuredFrom, Clock clock,
                                     String instance) {
        return new PackRegistry(bootstrapServers, configured, configuredFrom, clock, instance);
    }

    public ActivePack activePack() {
        return active;
    }

    public PackVersion current() {
        return current;
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
    public Change activate(String yaml, String activatedBy) {
        ControlPack pack = ControlPackLoader.parse(yaml, "api upload by " + activatedBy);
        ControlPack previous = active.get().pack();
        PackVersion version = new PackVersion(pack.name(), pack.version(), yaml, "api", activatedBy, clock.instant(),
                previous.version());
        CompletableFuture<PackVersion> applied = awaited.computeIfAbsent(version.version(), v -> new CompletableFuture<>());
        Change change = publish(version, previous);
        try {
            applied.get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("pack " + version.version() + " was recorded but not yet applied here: " + e);
        } finally {
            awaited.remove(version.version());
        }
        return change;
    }

    /** Records a version (history, then active) and its audit event, waiting for Kafka's acknowledgements. */
    private Change publish(PackVersion version, ControlPack previous) {
        Change change = diff(version, previous);
        try {
            String json = ModelJson.mapper().writeValueAsString(version);
            producer.send(new ProducerRecord<>(Topics.PACKS, PackVersion.VERSION_KEY_PREFIX + version.version(), json)).get(30, TimeUnit.SECONDS);
            producer.send(new ProducerRecord<>(Topics.PACKS, PackVersion.ACTIVE_KEY, json)).get(30, TimeUnit.SECONDS);
            if (previous == null || !previous.version().equals(version.version())) {
                producer.send(auditEvent(change)).get(30, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot record pack " + version.version() + " in " + Topics.PACKS + ": " + e, e);
        }
        return change;
    }

    private ProducerRecord<String, String> auditEvent(Change change) throws JsonProcessingException {
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
        ProducerRecord<String, String> record = new ProducerRecord<>(Topics.EVENTS, v.name(),
                ModelJson.mapper().writeValueAsString(event));
        record.headers().add("content-type", CloudEvent.MEDIA_TYPE.getBytes(StandardCharsets.UTF_8));
        return record;
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

    /** Reads {@link Topics#PACKS} from the beginning to its current end; returns the active version, if any. */
    private PackVersion readToEnd() {
        try {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.PACKS).stream()
                    .map(p -> new TopicPartition(Topics.PACKS, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            PackVersion active = null;
            long deadline = System.nanoTime() + STARTUP_READ.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    PackVersion v = read(record);
                    if (v != null && PackVersion.ACTIVE_KEY.equals(record.key())) {
                        active = v;
                    }
                }
            }
            return active;
        } catch (RuntimeException e) {
            LOG.warnf("CW-PACK-REGISTRY cannot read %s at start-up (%s); starting with the configured pack", Topics.PACKS, e.toString());
            return null;
        }
    }

    private PackVersion read(ConsumerRecord<String, String> record) {
        if (record.value() == null) {
            return null;
        }
        try {
            PackVersion v = ModelJson.mapper().readValue(record.value(), PackVersion.class);
            history.put(v.version(), v);
            return v;
        } catch (JsonProcessingException e) {
            LOG.errorf("CW-PACK-REGISTRY unreadable record %s in %s: %s", record.key(), Topics.PACKS, e.getOriginalMessage());
            return null;
        }
    }

    private void follow() {
        while (running) {
            try {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofSeconds(1))) {
                    PackVersion v = read(record);
                    if (v != null && PackVersion.ACTIVE_KEY.equals(record.key())) {
                        apply(v);
                    }
                }
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warnf("CW-PACK-REGISTRY following %s failed, retrying: %s", Topics.PACKS, e.toString());
            }
        }
    }

    private void apply(PackVersion v) {
        if (!v.version().equals(active.get().pack().version())) {
            ControlPack pack = parseQuietly(v);
            if (pack == null) {
                LOG.errorf("CW-PACK-REGISTRY ignoring active pack %s: it does not load here", v.version());
                return;
            }
            active.activate(pack);
            LOG.infof("CW-PACK-ACTIVATED pack %s version %s (%d controls) by %s, replacing %s", pack.name(), pack.version(),
                    pack.controls().size(), v.activatedBy(), v.previousVersion());
            listeners.forEach(l -> l.accept(pack));
        }
        current = v;
        CompletableFuture<PackVersion> waiting = awaited.get(v.version());
        if (waiting != null) {
            waiting.complete(v);
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            follower.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(Duration.ofSeconds(2));
        producer.close(Duration.ofSeconds(5));
    }
}
