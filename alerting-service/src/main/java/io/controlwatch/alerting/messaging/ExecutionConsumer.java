package io.controlwatch.alerting.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.controlwatch.alerting.messaging.DeadLetterPublisher.Rejected;
import io.controlwatch.alerting.service.EvidenceRecorder;
import io.controlwatch.model.ControlDefinition;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ModelJson;
import io.controlwatch.model.Topics;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import io.controlwatch.alerting.logging.AlertingLogging;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Consumes executions and the control catalog. A batch is acknowledged, and so its offsets committed, only once
 * its executions are stored and its unreadable records are on the dead-letter topic. A database outage is retried
 * until it ends (the service reports not-ready meanwhile); it never sends good evidence to the dead-letter topic.
 */
@ApplicationScoped
public class ExecutionConsumer {

    private static final Duration FIRST_RETRY = Duration.ofMillis(500);
    private static final Duration MAX_RETRY = Duration.ofSeconds(15);

    private final EvidenceRecorder recorder;
    private final DeadLetterPublisher deadLetters;

    public ExecutionConsumer(EvidenceRecorder recorder, DeadLetterPublisher deadLetters) {
        this.recorder = recorder;
        this.deadLetters = deadLetters;
    }

    @Incoming(Channels.EXECUTIONS_IN)
    public Uni<Void> consume(ConsumerRecords<String, String> records) {
        List<ControlExecution> executions = new ArrayList<>(records.count());
        List<Rejected> rejected = new ArrayList<>();
        for (ConsumerRecord<String, String> record : records) {
            ExecutionReader.Result result = ExecutionReader.read(record.value());
            if (result.execution() != null) {
                executions.add(result.execution());
            } else {
                rejected.add(new Rejected(record, result.reasonCode(), result.reason()));
            }
        }
        return retryUntilDone("store " + executions.size() + " executions",
                () -> recorder.record(executions))
                .chain(() -> retryUntilDone("dead-letter " + rejected.size() + " records",
                        () -> deadLetters.send(Topics.EXECUTIONS_DEAD_LETTER, rejected)));
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
            return retryUntilDone("dead-letter a catalog record", () -> deadLetters.send(Topics.CONTROLS_DEAD_LETTER,
                    List.of(new Rejected(record, "invalid-control", "not a ControlDefinition: " + reason))));
        }
        return retryUntilDone("record control " + control.id(), () -> recorder.recordControl(control));
    }

    private static Uni<Void> retryUntilDone(String what, java.util.function.Supplier<Uni<Void>> action) {
        return Uni.createFrom().<Void>deferred(action::get)
                .onFailure().invoke(e -> AlertingLogging.LOG.storeRetry(what, e.toString()))
                .onFailure().retry().withBackOff(FIRST_RETRY, MAX_RETRY).indefinitely();
    }
}
