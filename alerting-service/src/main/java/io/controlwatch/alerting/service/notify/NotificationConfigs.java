package io.controlwatch.alerting.service.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.alerting.config.NotifyConfig;
import io.controlwatch.alerting.logging.NotifyLogging;
import io.controlwatch.alerting.persistence.NativeSql;
import io.controlwatch.alerting.persistence.OutboxRepository;
import io.controlwatch.alerting.service.routing.NotificationConfig;
import io.controlwatch.alerting.service.routing.NotificationConfigLoader;
import io.controlwatch.alerting.service.routing.Receiver;
import io.controlwatch.model.CloudEvent;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The notification config in force, versioned in table {@code notification_config}. Loaded at start (the latest
 * stored version; the file of {@code CW_NOTIFY_CONFIG} becomes a new version when it changed and no admin replaced
 * it through the API since), replaced by admins through the API, and followed by every instance (polling). Each
 * new version is announced as a {@code controlwatch.notification-config.changed} CloudEvent on the events topic,
 * through the outbox, in the transaction that stores it.
 */
@ApplicationScoped
public class NotificationConfigs {

    /** The audit events' receiver in the outbox (not a receiver of the config). */
    public static final String AUDIT_RECEIVER = "audit-events";
    public static final String AUDIT_KIND = "kafka";
    public static final String CHANGED_TYPE = "controlwatch.notification-config.changed";
    public static final String SOURCE = "urn:controlwatch:alerting";

    /** A version in force. */
    public record Active(long version, NotificationConfig config, String origin, String changedBy, Instant changedAt) {
    }

    private static final String LATEST = """
            select coalesce((select to_jsonb(c) from notification_config c order by version desc limit 1), 'null')::text
            """;
    private static final String LATEST_VERSION = """
            select coalesce(max(version), 0)::text from notification_config
            """;
    private static final String INSERT = """
            insert into notification_config (version, document, sha256, origin, changed_by, changed_at)
            select coalesce(max(version), 0) + 1, ?1, ?2, ?3, ?4, cast(cast(?5 as text) as timestamptz) from notification_config
            """;
    /** Versions are numbered one after another: two replacements at once take turns. */
    private static final String SERIALIZE = "select cast(pg_advisory_xact_lock(90091) as text)";

    private final AtomicReference<Active> current = new AtomicReference<>(
            new Active(0, NotificationConfig.none(), "none", "none", Instant.EPOCH));
    private final NotifyConfig settings;
    private final OutboxRepository outbox;
    private final NotificationMetrics metrics;
    private final Clock clock;

    public NotificationConfigs(NotifyConfig settings, OutboxRepository outbox, NotificationMetrics metrics, Clock clock) {
        this.settings = settings;
        this.outbox = outbox;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Set once the start-up load has run: until then {@link #current()} is a placeholder without receivers. */
    private volatile boolean loaded;

    public Active current() {
        return current.get();
    }

    /** Whether {@link #current()} is the stored config rather than the placeholder of a service still starting. */
    public boolean loaded() {
        return loaded;
    }

    /**
     * At start, in a transaction: the latest stored version, or the file's when it is new. An invalid file stops the
     * start (as an invalid control pack does), naming file, path, line and reason.
     */
    public Uni<Active> loadAtStart() {
        NotificationConfig file = settings.config().filter(s -> !s.isBlank()).map(NotificationConfigs::readFile).orElse(null);
        String origin = settings.config().map(p -> "config:" + p).orElse(null);
        return Panache.withTransaction(() -> NativeSql.query(SERIALIZE).chain(() -> NativeSql.query(LATEST)).chain(latest -> {
            boolean apiWins = !latest.isNull() && "api".equals(latest.path("origin").asText());
            if (file != null && !apiWins && (latest.isNull() || !file.sha256().equals(latest.path("sha256").asText()))) {
                return store(file, origin, "config", latest.isNull() ? 0 : latest.path("version").asLong());
            }
            if (latest.isNull()) {
                return Uni.createFrom().item(current.get());
            }
            if (file != null && apiWins && !file.sha256().equals(latest.path("sha256").asText())) {
                NotifyLogging.LOG.configFileIgnored(settings.config().get(), latest.path("version").asLong());
            }
            return Uni.createFrom().item(activeOf(latest));
        })).invoke(this::activate).invoke(() -> loaded = true);
    }

    /** Replaces the config (an admin's PUT): validated whole first; the caller's transaction stores it and its event. */
    public Uni<Active> replace(String yaml, String actor) {
        NotificationConfig parsed = NotificationConfigLoader.parse(yaml, "api");
        return NativeSql.query(SERIALIZE).chain(() -> NativeSql.query(LATEST_VERSION))
                .chain(previous -> store(parsed, "api", actor, Long.parseLong(previous.asText())));
    }

    /** After the transaction of {@link #replace} committed. */
    public void activate(Active active) {
        Active before = current.getAndUpdate(c -> active.version() > c.version() ? active : c);
        if (active.version() > before.version()) {
            metrics.registerReceivers(active.config().receivers().values());
            NotifyLogging.LOG.configActive(active.version(), active.origin(), active.config().receivers().size(),
                    active.config().sha256());
        }
    }

    /** Picks up a version another instance stored. */
    public Uni<Void> refresh() {
        return Panache.withSession(() -> NativeSql.query(LATEST)).invoke(latest -> {
            if (!latest.isNull() && latest.path("version").asLong() > current.get().version()) {
                activate(activeOf(latest));
            }
        }).replaceWithVoid();
    }

    private Uni<Active> store(NotificationConfig config, String origin, String actor, long previousVersion) {
        Instant now = clock.instant();
        long version = previousVersion + 1;
        ObjectNode event = auditEvent(config, origin, actor, version, previousVersion, now);
        return NativeSql.update(INSERT, config.document(), config.sha256(), origin, actor, now.toString())
                .chain(() -> outbox.enqueueOther(AUDIT_RECEIVER, AUDIT_KIND, CHANGED_TYPE, "config/" + version, event,
                        null, now, version, settings.dispatch().deadAfter()))
                .replaceWith(new Active(version, config, origin, actor, now));
    }

    private static ObjectNode auditEvent(NotificationConfig config, String origin, String actor, long version,
                                         long previousVersion, Instant now) {
        ObjectNode event = NativeSql.json().createObjectNode();
        event.put("specversion", CloudEvent.SPEC_VERSION);
        event.put("id", UUID.randomUUID().toString());
        event.put("source", SOURCE);
        event.put("type", CHANGED_TYPE);
        event.put("subject", "notification-config");
        event.put("time", now.toString());
        event.put("datacontenttype", "application/json");
        ObjectNode data = event.putObject("data");
        data.put("version", version);
        data.put("previousVersion", previousVersion);
        data.put("sha256", config.sha256());
        data.put("origin", origin);
        data.put("changedBy", actor);
        var receivers = data.putArray("receivers");
        for (Receiver r : config.receivers().values()) {
            receivers.addObject().put("name", r.name()).put("kind", r.kind());
        }
        return event;
    }

    private static Active activeOf(JsonNode row) {
        String origin = row.path("origin").asText();
        NotificationConfig config = NotificationConfigLoader.parse(row.path("document").asText(), "version "
                + row.path("version").asLong() + " (" + origin + ")");
        return new Active(row.path("version").asLong(), config, origin, row.path("changed_by").asText(),
                NativeSql.read(row.path("changed_at"), Instant.class));
    }

    private static NotificationConfig readFile(String location) {
        try {
            return NotificationConfigLoader.parse(Files.readString(Path.of(location), StandardCharsets.UTF_8), location);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the notification config " + location
                    + " (CW_NOTIFY_CONFIG): " + e.getMessage(), e);
        }
    }
}
