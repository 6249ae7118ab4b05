package io.controlwatch.evaluation.messaging;

import io.controlwatch.evaluation.service.ActivePack;
import io.controlwatch.evaluation.service.PackRegistry;
import io.controlwatch.engine.ControlPack;
import io.controlwatch.model.ControlDefinition;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import io.controlwatch.evaluation.logging.EvaluationLogging;

import java.time.Duration;
import java.util.List;

/**
 * Publishes the running pack's controls to the compacted catalog topic at start-up, so the alerting service
 * lists every control, including those that have not run yet. Retries in the background until Kafka takes them;
 * start-up and evaluation do not wait for it.
 */
@ApplicationScoped
public class ControlCatalogPublisher {

    public static final String CHANNEL = "controls-out";

    private final MutinyEmitter<ControlDefinition> emitter;
    private final ActivePack activePack;
    private final PackRegistry registry;

    public ControlCatalogPublisher(@Channel(CHANNEL) MutinyEmitter<ControlDefinition> emitter, ActivePack activePack,
                                   PackRegistry registry) {
        this.emitter = emitter;
        this.activePack = activePack;
        this.registry = registry;
    }

    void onStart(@Observes StartupEvent startup) {
        publish(activePack.get().pack());
        registry.onActivation(this::publish);
    }

    /** Publishes every control of a pack (at start-up, and whenever a new pack is activated). */
    public void publish(ControlPack pack) {
        List<Uni<Void>> sends = pack.controls().stream()
                .map(control -> control.toDefinition(pack))
                .map(definition -> emitter.sendMessage(Message.of(definition).addMetadata(
                        OutgoingKafkaRecordMetadata.<String>builder().withKey(definition.id()).build())))
                .toList();
        Uni.join().all(sends).andFailFast()
                .onFailure().retry().withBackOff(Duration.ofSeconds(1), Duration.ofSeconds(30)).indefinitely()
                .subscribe().with(
                        ok -> EvaluationLogging.LOG.catalogPublished(sends.size(), pack.name(), pack.version()),
                        failure -> EvaluationLogging.LOG.catalogFailed(failure.toString()));
    }
}
