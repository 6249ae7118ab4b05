package io.controlwatch.ingest.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.ingest.config.SourcesConfig;
import io.controlwatch.common.messaging.CompactedTopics;
import io.controlwatch.ingest.logging.IngestLogging;
import io.controlwatch.model.CloudEvent;
import io.controlwatch.model.ModelJson;
import io.controlwatch.model.Topics;
import io.controlwatch.sources.SourceKind;
import io.controlwatch.sources.auth.SourceSecrets;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.transactions.KafkaTransactions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The registered sources, for every ingest instance at once. Storage is the compacted topic {@link Topics#SOURCES}
 * rather than a database: ingest has no datastore of its own, the registry is small and read on every delivery (so
 * each instance holds it in memory), and a change and its audit event ({@code controlwatch.source.*} on
 * {@link Topics#EVENTS}) are written in one Kafka transaction, so neither exists without the other (no outbox
 * needed). Each instance reads the topic to its end at start-up, then follows it (SourceRegistryChannels), like the
 * evaluation service's pack registry.
 * <p>
 * Secrets are generated here, shown once (the {@link Registration} of a register or rotate call) and stored sealed
 * with {@link SecretCipher}; they are never logged nor written to an audit event.
 */
public final class SourceRegistry implements BackfillMarks {

    public static final String AUDIT_SOURCE = "urn:controlwatch:ingest";
    public static final String REGISTERED = "controlwatch.source.registered";
    public static final String ROTATED = "controlwatch.source.secret-rotated";
    public static final String DELETED = "controlwatch.source.deleted";
    public static final String DISABLED = "controlwatch.source.disabled";
    public static final String ENABLED = "controlwatch.source.enabled";
    public static final String BACKFILL_STARTED = "controlwatch.source.backfill-started";
    public static final String BACKFILL_ENDED = "controlwatch.source.backfill-ended";
    /** Longest subject of an audit event (the envelope bound); a longer source URI is named by its hash there. */
    private static final int MAX_AUDIT_SUBJECT = 256;

    /** A registered or rotated source with its new secret in clear: shown to the admin once, never again. */
    public record Registration(RegisteredSource source, String secret) {
    }

    private final Map<String, RegisteredSource> sources = new ConcurrentHashMap<>();
    private final Map<String, BackfillMark> backfills = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Long> followFrom;
    private final SecretCipher cipher;
    private final SourcesConfig config;
    private final Clock clock;
    private final SecureRandom random;
    private final KafkaTransactions<String> transactions;

    private SourceRegistry(Map<String, RegisteredSource> read, Map<String, BackfillMark> marks,
                           Map<TopicPartition, Long> followFrom, SecretCipher cipher,
                           SourcesConfig config, Clock clock, SecureRandom random, KafkaTransactions<String> transactions) {
        this.sources.putAll(read);
        this.backfills.putAll(marks);
        this.followFrom = Map.copyOf(followFrom);
        this.cipher = cipher;
        this.config = config;
        this.clock = clock;
        this.random = random;
        this.transactions = transactions;
    }

    /** Reads the registry topic to its end (blocking, bounded by {@code cw.sources.startup-read}). */
    public static SourceRegistry startingFrom(Map<String, Object> kafka, SourcesConfig config, Clock clock,
                                              SecureRandom random, KafkaTransactions<String> transactions) {
        SecretCipher cipher = config.secretKey().filter(k -> !k.isBlank()).map(k -> new SecretCipher(k, random)).orElse(null);
        if (cipher == null) {
            IngestLogging.LOG.sourcesWithoutSecretKey();
        }
        Map<String, RegisteredSource> read = new HashMap<>();
        Map<String, BackfillMark> marks = new HashMap<>();
        Map<TopicPartition, Long> end = Map.of();
        try {
            end = CompactedTopics.readToEnd(kafka, Topics.SOURCES, config.startupRead(), true, record -> {
                if (isMark(record)) {
                    BackfillMark mark = readMark(record);
                    if (mark != null) {
                        marks.merge(mark.source(), mark, (held, arrived) -> arrived.revision() > held.revision() ? arrived : held);
                    }
                    return;
                }
                RegisteredSource source = read(record);
                if (source != null) {
                    read.merge(source.id(), source, (held, arrived) -> arrived.revision() > held.revision() ? arrived : held);
                }
            });
        } catch (RuntimeException e) {
            // the follower then reads from the beginning (no end offsets): deliveries to sources not read yet get 401
            IngestLogging.LOG.sourceRegistryUnreadable(Topics.SOURCES, e.toString());
        }
        return new SourceRegistry(read, marks, end, cipher, config, clock, random, transactions);
    }

    public Map<TopicPartition, Long> followFrom() {
        return followFrom;
    }

    /** Every source not deleted, oldest first. */
    public List<RegisteredSource> all() {
        return sources.values().stream().filter(s -> !s.deleted())
                .sorted(Comparator.comparing(RegisteredSource::createdAt).thenComparing(RegisteredSource::id)).toList();
    }

    public Optional<RegisteredSource> get(String id) {
        return Optional.ofNullable(id == null ? null : sources.get(id)).filter(s -> !s.deleted());
    }

    /**
     * The secrets a delivery may use now: the current one and, until the rotation overlap ends, the previous one.
     * Empty when they cannot be unsealed (no key configured, or another key than the one that sealed them).
     */
    public Optional<SourceSecrets> secrets(RegisteredSource source) {
        if (cipher == null) {
            return Optional.empty();
        }
        String current;
        try {
            current = cipher.decrypt(source.secret(), source.id());
        } catch (GeneralSecurityException e) {
            IngestLogging.LOG.sourceSecretUnreadable(source.id());
            return Optional.empty();
        }
        String previous = null;
        if (source.previousSecret() != null && source.previousSecretValidUntil() != null
                && clock.instant().isBefore(source.previousSecretValidUntil())) {
            try {
                previous = cipher.decrypt(source.previousSecret(), source.id());
            } catch (GeneralSecurityException e) {
                // sealed with a key since replaced: a rotation after a lost key must still let the new secret in
                previous = null;
            }
        }
        return Optional.of(new SourceSecrets(current, previous));
    }

    /** Whether an admin marked this CloudEvents source as backfilling (its accepted events get cwbackfill: true). */
    @Override
    public boolean backfilling(String source) {
        BackfillMark mark = source == null ? null : backfills.get(source);
        return mark != null && mark.backfilling();
    }

    /** The source's backfill mark, if it ever had one (ended ones included). */
    public Optional<BackfillMark> backfill(String source) {
        return Optional.ofNullable(source == null ? null : backfills.get(source));
    }

    /** Every CloudEvents source with a backfill mark, ended ones included. */
    public java.util.Set<String> markedSources() {
        return java.util.Set.copyOf(backfills.keySet());
    }

    public boolean canSeal() {
        return cipher != null;
    }

    public synchronized Registration register(SourceKind kind, String name, JsonNode options, String by) {
        String id = newId();
        String secret = SourceSecrets.generate(kind, random);
        Instant now = clock.instant();
        RegisteredSource source = new RegisteredSource(id, kind.wireName(), name, options, cipher().encrypt(secret, id),
                null, null, 1, now, by, now, by, null, null, null);
        write(source, REGISTERED, by);
        IngestLogging.LOG.sourceRegistered(id, kind.wireName(), by);
        return new Registration(source, secret);
    }

    /** A new secret; the current one becomes the previous one, valid for the rotation overlap. Empty if unknown. */
    public synchronized Optional<Registration> rotate(String id, String by) {
        Optional<RegisteredSource> existing = get(id);
        if (existing.isEmpty()) {
            return Optional.empty();
        }
        RegisteredSource s = existing.get();
        String secret = SourceSecrets.generate(s.sourceKind(), random);
        Instant now = clock.instant();
        RegisteredSource rotated = new RegisteredSource(s.id(), s.kind(), s.name(), s.options(), cipher().encrypt(secret, id),
                s.secret(), now.plus(config.rotationOverlap()), s.revision() + 1, s.createdAt(), s.createdBy(), now, by, null,
                s.disabledAt(), s.disabledBy());
        write(rotated, ROTATED, by);
        IngestLogging.LOG.sourceSecretRotated(id, String.valueOf(rotated.previousSecretValidUntil()), by);
        return Optional.of(new Registration(rotated, secret));
    }

    /** Deletes a source: its deliveries are refused from now on on every instance. False if unknown. */
    public synchronized boolean delete(String id, String by) {
        Optional<RegisteredSource> existing = get(id);
        if (existing.isEmpty()) {
            return false;
        }
        RegisteredSource s = existing.get();
        Instant now = clock.instant();
        RegisteredSource deleted = new RegisteredSource(s.id(), s.kind(), s.name(), s.options(), null, null, null,
                s.revision() + 1, s.createdAt(), s.createdBy(), now, by, now, s.disabledAt(), s.disabledBy());
        write(deleted, DELETED, by);
        IngestLogging.LOG.sourceDeleted(id, by);
        return true;
    }

    /**
     * Disables or enables a source: a disabled source's deliveries are refused (403 once authenticated) on every
     * instance. Empty if unknown; a source already in that state is answered as it is, with no new revision.
     */
    public synchronized Optional<RegisteredSource> setDisabled(String id, boolean disabled, String by) {
        Optional<RegisteredSource> existing = get(id);
        if (existing.isEmpty() || existing.get().disabled() == disabled) {
            return existing;
        }
        RegisteredSource s = existing.get();
        Instant now = clock.instant();
        RegisteredSource changed = new RegisteredSource(s.id(), s.kind(), s.name(), s.options(), s.secret(),
                s.previousSecret(), s.previousSecretValidUntil(), s.revision() + 1, s.createdAt(), s.createdBy(), now, by,
                null, disabled ? now : null, disabled ? by : null);
        write(changed, disabled ? DISABLED : ENABLED, by);
        if (disabled) {
            IngestLogging.LOG.sourceDisabled(id, by);
        } else {
            IngestLogging.LOG.sourceEnabled(id, by);
        }
        return Optional.of(changed);
    }

    /**
     * Marks a CloudEvents source as backfilling or ends the mark, on every instance; with its audit event in one
     * transaction. Setting the state it already has changes nothing (no new revision, no audit event).
     */
    public synchronized BackfillMark setBackfilling(String source, boolean backfilling, String reason, String by) {
        BackfillMark held = backfills.get(source);
        if (held != null && held.backfilling() == backfilling) {
            return held;
        }
        if (held == null && !backfilling) {
            return new BackfillMark(source, false, null, 0, null, null);
        }
        BackfillMark mark = new BackfillMark(source, backfilling, reason, held == null ? 1 : held.revision() + 1,
                clock.instant(), by);
        String json;
        Message<String> audit;
        try {
            json = ModelJson.mapper().writeValueAsString(mark);
            ObjectNode data = ModelJson.mapper().createObjectNode();
            data.put("source", source);
            data.put("backfilling", backfilling);
            if (reason != null) {
                data.put("reason", reason);
            }
            data.put("by", by);
            String subject = source.length() <= MAX_AUDIT_SUBJECT ? source : "sha256:" + sha256(source);
            audit = auditEvent(mark.key() + "#" + mark.revision(), backfilling ? BACKFILL_STARTED : BACKFILL_ENDED,
                    subject, mark.updatedAt(), data, by, subject);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        transactions.withTransaction(emitter -> {
            emitter.send(record(Topics.SOURCES, mark.key(), json, new RecordHeaders()));
            emitter.send(audit);
            return Uni.createFrom().voidItem();
        }).await().atMost(config.writeTimeout());
        applyMark(mark);
        IngestLogging.LOG.sourceBackfill(source, backfilling ? "started" : "ended", by, reason == null ? "" : reason);
        return mark;
    }

    private static String sha256(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private SecretCipher cipher() {
        if (cipher == null) {
            throw new IllegalStateException("no cw.sources.secret-key configured");
        }
        return cipher;
    }

    /** "src_" and 96 random bits, URL-safe: ids are never reused and cannot be guessed from one another. */
    private String newId() {
        byte[] bytes = new byte[12];
        random.nextBytes(bytes);
        return "src_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The registry record and its audit event in one transaction; applied here once Kafka committed both. */
    private void write(RegisteredSource source, String auditType, String by) {
        String json;
        Message<String> audit;
        try {
            json = ModelJson.mapper().writeValueAsString(source);
            audit = auditEvent(source, auditType, by);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        transactions.withTransaction(emitter -> {
            emitter.send(record(Topics.SOURCES, source.id(), json, new RecordHeaders()));
            emitter.send(audit);
            return Uni.createFrom().voidItem();
        }).await().atMost(config.writeTimeout());
        apply(source);
    }

    private static Message<String> record(String topic, String key, String value, RecordHeaders headers) {
        return Message.of(value).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withTopic(topic).withKey(key).withHeaders(headers).build());
    }

    /** What changed and who changed it; never a secret. */
    private Message<String> auditEvent(RegisteredSource source, String type, String by) throws JsonProcessingException {
        ObjectNode data = ModelJson.mapper().createObjectNode();
        data.put("sourceId", source.id());
        data.put("kind", source.kind());
        data.put("name", source.name());
        data.put("by", by);
        if (source.previousSecretValidUntil() != null) {
            data.put("previousSecretValidUntil", source.previousSecretValidUntil().toString());
        }
        return auditEvent(source.id() + "#" + source.revision(), type, source.id(), source.updatedAt(), data, by, source.id());
    }

    private Message<String> auditEvent(String revisionKey, String type, String subject, Instant time, ObjectNode data,
                                       String by, String partitionKey) throws JsonProcessingException {
        ObjectNode event = ModelJson.mapper().createObjectNode();
        event.put("specversion", CloudEvent.SPEC_VERSION);
        // one event per revision: a retried write is stored once downstream
        event.put("id", UUID.nameUUIDFromBytes(revisionKey.getBytes(StandardCharsets.UTF_8)).toString());
        event.put("source", AUDIT_SOURCE);
        event.put("type", type);
        event.put("subject", subject);
        event.put("time", time.toString());
        event.put("datacontenttype", "application/json");
        event.set("data", data);
        event.put(CloudEvent.SUBMITTER, by);
        RecordHeaders headers = new RecordHeaders();
        headers.add("content-type", CloudEvent.MEDIA_TYPE.getBytes(StandardCharsets.UTF_8));
        return record(Topics.EVENTS, partitionKey, ModelJson.mapper().writeValueAsString(event), headers);
    }

    /** A record of the registry topic that arrived after start-up (through the follower channel). */
    public void follow(ConsumerRecord<String, String> record) {
        if (isMark(record)) {
            BackfillMark mark = readMark(record);
            if (mark != null) {
                applyMark(mark);
            }
            return;
        }
        RegisteredSource source = read(record);
        if (source != null) {
            apply(source);
        }
    }

    private void apply(RegisteredSource source) {
        sources.merge(source.id(), source, (held, arrived) -> arrived.revision() > held.revision() ? arrived : held);
    }

    private void applyMark(BackfillMark mark) {
        backfills.merge(mark.source(), mark, (held, arrived) -> arrived.revision() > held.revision() ? arrived : held);
    }

    private static boolean isMark(ConsumerRecord<String, String> record) {
        return record.key() != null && record.key().startsWith(BackfillMark.KEY_PREFIX);
    }

    private static BackfillMark readMark(ConsumerRecord<String, String> record) {
        if (record.value() == null) {
            return null;
        }
        try {
            BackfillMark mark = ModelJson.mapper().readValue(record.value(), BackfillMark.class);
            if (mark.source() == null || !mark.key().equals(record.key())) {
                IngestLogging.LOG.sourceRecordUnreadable(record.key(), "source");
                return null;
            }
            return mark;
        } catch (JsonProcessingException e) {
            IngestLogging.LOG.sourceRecordUnreadable(record.key(), e.getOriginalMessage());
            return null;
        }
    }

    private static RegisteredSource read(ConsumerRecord<String, String> record) {
        if (record.value() == null) {
            return null;
        }
        try {
            RegisteredSource source = ModelJson.mapper().readValue(record.value(), RegisteredSource.class);
            if (source.id() == null || !source.id().equals(record.key()) || SourceKind.fromWireName(source.kind()).isEmpty()) {
                IngestLogging.LOG.sourceRecordUnreadable(record.key(), "id or kind");
                return null;
            }
            return source;
        } catch (JsonProcessingException e) {
            IngestLogging.LOG.sourceRecordUnreadable(record.key(), e.getOriginalMessage());
            return null;
        }
    }
}
