package io.controlwatch.alerting.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.controlwatch.alerting.logging.AlertingLogging;
import io.controlwatch.alerting.messaging.DeadLetterPublisher.Rejected;
import io.controlwatch.alerting.service.EvidenceRecorder;
import io.controlwatch.alerting.service.PoisonIsolatingStore;
import io.controlwatch.alerting.service.PoisonIsolatingStore.Item;
import io.controlwatch.alerting.service.StoreFailures;
import io.controlwatch.model.ControlDefinition;
import io.controlwatch.model.ModelJson;
import io.controlwatch.model.PackVersion;
import io.controlwatch.model.Topics;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Consumes executions, the control catalog and the pack registry's active pointer. A batch is acknowledged, and so its offsets committed, only once
 * each of its records is stored or on the dead-letter topic with the reason. Records that cannot be read, or that
 * the database refuses, are dead-lettered one by one while the rest of the batch is stored; a database outage is
 * waited out however long it lasts (readiness goes down meanwhile) and never sends good evidence away.
 */
@ApplicationScoped
public class ExecutionConsumer {

    private static final Duration FIRST_RETRY = Duration.ofMillis(500);
    private static final Duration MAX_RETRY = Duration.ofSeconds(15);

    private final PoisonIsolatingStore store;
    private final EvidenceRecorder recorder;
    private final DeadLetterPublisher deadLetters;

    public ExecutionConsumer(PoisonIsolatingStore store, EvidenceRecorder recorder, DeadLetterPublisher deadLetters) {
        this.store = store;
        this.recorder = recorder;
        this.deadLetters = deadLetters;
    }

    @Incoming(Channels.EXECUTIONS_IN)
    public Uni<Void> consume(ConsumerRecords<String, String> records) {
        List<Item<ConsumerRecord<String, String>>> executions = new ArrayList<>(records.count());
        List<Rejected> rejected = new ArrayList<>();
        for (ConsumerRecord<String, String> record : records) {
            ExecutionReader.Result result = ExecutionReader.read(record.value());
            if (result.execution() != null) {
                executions.add(new Item<>(record, result.execution(), record.partition(), record.offset()));
            } else {
                rejected.add(new Rejected(record, result.reasonCode(), result.reason()));
            }
        }
        return store.store(executions).chain(poison -> {
            List<Rejected> all = new ArrayList<>(rejected);
            poison.forEach(p -> all.add(new Rejected(p.origin(), p.reasonCode(), p.reason())));
            return retryUntilDone("dead-letter " + all.size() + " records",
                    () -> deadLetters.send(Topics.EXECUTIONS_DEAD_LETTER, all));
        });
    }

    @Incoming(Channels.CONTROLS_IN)
    public Uni<Void> consumeCatalog(ConsumerRecord<String, String> record) {
        ControlDefinition control;
        try {
            control = ModelJson.mapper().readValue(record.value(), ControlDefinition.class);
            if (control.id() == null || control.title() == null || control.version() == null
                    || control.criteria() == null || control.severity() == null) {
                throw new IllegalArgumentException("missing id, title, version, criteria or severity");
            }
        } catch (JsonProcessingException | IllegalArgumentException | NullPointerException e) {
            String reason = e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage();
            return deadLetterCatalog(record, "invalid-control", "not a ControlDefinition: " + reason);
        }
        return Uni.createFrom().deferred(() -> recorder.recordControl(control))
                .onFailure(f -> StoreFailures.classify(f) != StoreFailures.Kind.DATA).invoke(f ->
                        AlertingLogging.LOG.storeRetry("record control " + control.id(), StoreFailures.describe(f)))
                .onFailure(f -> StoreFailures.classify(f) != StoreFailures.Kind.DATA).retry()
                .withBackOff(FIRST_RETRY, MAX_RETRY).indefinitely()
                .onFailure().recoverWithUni(f -> deadLetterCatalog(record,
                        "store-rejected-" + StoreFailures.sqlState(f), StoreFailures.describe(f)));
    }

    /**
     * The registry's "active" pointer says which pack version runs, so that the catalog can tell the controls in
     * force from the retired ones. The version records themselves are skipped: the catalog already has their
     * controls, published by the evaluation service when it activates them.
     */
    @Incoming(Channels.PACKS_IN)
    public Uni<Void> consumePackPointer(ConsumerRecord<String, String> record) {
        if (!PackVersion.ACTIVE_KEY.equals(record.key()) || record.value() == null) {
            return Uni.createFrom().voidItem();
        }
        PackVersion active;
        try {
            active = ModelJson.mapper().readValue(record.value(), PackVersion.class);
            if (active.name() == null || active.version() == null || active.activatedAt() == null) {
                throw new IllegalArgumentException("missing name, version or activatedAt");
            }
            if (active.name().length() > 256 || active.version().length() > 256) {
                throw new IllegalArgumentException("name or version longer than 256 characters");
            }
        } catch (JsonProcessingException | IllegalArgumentException e) {
            String reason = e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage();
            return deadLetterCatalog(record, "invalid-pack-pointer", "not a pack version: " + reason);
        }
        PackVersion pointer = active;
        return Uni.createFrom().deferred(() -> recorder.recordActivePack(pointer))
                .onFailure(f -> StoreFailures.classify(f) != StoreFailures.Kind.DATA).invoke(f ->
                        AlertingLogging.LOG.storeRetry("record the active pack", StoreFailures.describe(f)))
                .onFailure(f -> StoreFailures.classify(f) != StoreFailures.Kind.DATA).retry()
                .withBackOff(FIRST_RETRY, MAX_RETRY).indefinitely()
                .onFailure().recoverWithUni(f -> deadLetterCatalog(record,
                        "store-rejected-" + StoreFailures.sqlState(f), StoreFailures.describe(f)));
    }

    private Uni<Void> deadLetterCatalog(ConsumerRecord<String, String> record, String code, String reason) {
        return retryUntilDone("dead-letter a catalog record", () -> deadLetters.send(Topics.CONTROLS_DEAD_LETTER,
                List.of(new Rejected(record, code, reason))));
    }

    private static Uni<Void> retryUntilDone(String what, Supplier<Uni<Void>> action) {
        return Uni.createFrom().<Void>deferred(action::get)
                .onFailure().invoke(e -> AlertingLogging.LOG.storeRetry(what, e.toString()))
                .onFailure().retry().withBackOff(FIRST_RETRY, MAX_RETRY).indefinitely();
    }
}
