package io.controlwatch.alerting.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.controlwatch.alerting.logging.AlertingLogging;
import io.controlwatch.alerting.service.StoreFailures;
import io.controlwatch.alerting.service.packs.PackArchive;
import io.controlwatch.model.ModelJson;
import io.controlwatch.model.PackVersion;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.time.Duration;

/**
 * Archives every pack version the registry records on {@code cw.packs.v1} (the {@code version:*} records and the
 * {@code active} pointer, both carry the YAML), for export bundles. A record that is no pack version is logged
 * (CW003230) and skipped: the active-pointer consumer dead-letters those already. A database outage is waited out.
 */
@ApplicationScoped
public class PackVersionConsumer {

    private static final Duration FIRST_RETRY = Duration.ofMillis(500);
    private static final Duration MAX_RETRY = Duration.ofSeconds(15);
    private static final int MAX_YAML = 4 * 1024 * 1024;

    private final PackArchive archive;

    public PackVersionConsumer(PackArchive archive) {
        this.archive = archive;
    }

    @Incoming(Channels.PACK_VERSIONS_IN)
    public Uni<Void> consume(ConsumerRecord<String, String> record) {
        if (record.value() == null || record.key() == null || !(record.key().equals(PackVersion.ACTIVE_KEY)
                || record.key().startsWith(PackVersion.VERSION_KEY_PREFIX))) {
            return Uni.createFrom().voidItem();
        }
        PackVersion pack;
        try {
            pack = ModelJson.mapper().readValue(record.value(), PackVersion.class);
            if (pack.name() == null || pack.version() == null || pack.activatedAt() == null || pack.yaml() == null) {
                throw new IllegalArgumentException("missing name, version, activatedAt or yaml");
            }
            if (pack.name().length() > 256 || pack.version().length() > 256 || pack.yaml().length() > MAX_YAML) {
                throw new IllegalArgumentException("name or version longer than 256 characters, or YAML over 4 MiB");
            }
        } catch (JsonProcessingException | IllegalArgumentException e) {
            AlertingLogging.LOG.packVersionUnreadable(record.partition(), record.offset(), record.key(),
                    e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage());
            return Uni.createFrom().voidItem();
        }
        PackVersion version = pack;
        return Uni.createFrom().deferred(() -> archive.record(version))
                .onFailure(f -> StoreFailures.classify(f) != StoreFailures.Kind.DATA).invoke(f ->
                        AlertingLogging.LOG.storeRetry("archive pack version " + version.version(),
                                StoreFailures.describe(f)))
                .onFailure(f -> StoreFailures.classify(f) != StoreFailures.Kind.DATA).retry()
                .withBackOff(FIRST_RETRY, MAX_RETRY).indefinitely()
                .onFailure().recoverWithItem(f -> {
                    AlertingLogging.LOG.packVersionUnreadable(record.partition(), record.offset(), record.key(),
                            "refused by PostgreSQL: " + StoreFailures.describe(f));
                    return null;
                });
    }
}
