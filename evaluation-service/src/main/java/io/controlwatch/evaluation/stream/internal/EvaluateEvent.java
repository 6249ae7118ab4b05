package io.controlwatch.evaluation.stream.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.controlwatch.engine.Control;
import io.controlwatch.engine.ControlEngine;
import io.controlwatch.engine.Verdict;
import io.controlwatch.model.CloudEvent;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ExecutionIds;
import io.controlwatch.model.ModelJson;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;

/** Tests one event against every applicable control and emits one execution per control (JSON). */
public class EvaluateEvent implements FixedKeyProcessor<String, ParsedEvent, String> {

    private static final byte[] JSON_CONTENT_TYPE = "application/json".getBytes(StandardCharsets.UTF_8);

    private final ControlEngine engine;
    private final Clock clock;
    private final MeterRegistry registry;
    private FixedKeyProcessorContext<String, String> context;

    public EvaluateEvent(ControlEngine engine, Clock clock, MeterRegistry registry) {
        this.engine = engine;
        this.clock = clock;
        this.registry = registry;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, String> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, ParsedEvent> record) {
        CloudEvent event = record.value().event();
        Instant ingestTime = Instant.ofEpochMilli(record.timestamp());
        // Evidence belongs to the period of the event's own time; ingest time only when the source gave none.
        Instant eventTime = event.time() != null ? event.time().toInstant() : ingestTime;
        Instant evaluatedAt = clock.instant();
        for (Verdict verdict : engine.evaluate(event)) {
            Control control = verdict.control();
            ControlExecution execution = new ControlExecution(
                    ExecutionIds.of(control.id(), event.source(), event.id()),
                    control.id(), control.version(), control.title(), control.criteria(), control.severity(),
                    verdict.result(), verdict.reason(), verdict.subject(),
                    event.id(), event.source(), event.type(),
                    eventTime, ingestTime, evaluatedAt,
                    engine.pack().name(), engine.pack().version(),
                    java.util.List.of(event.id()), false);
            registry.counter("cw.executions", "control", control.id(), "result", verdict.result().name().toLowerCase())
                    .increment();
            // An execution is not a CloudEvent: the event's headers (its CloudEvents content-type above all) must
            // not travel on, or consumers would try to read the execution as an event.
            RecordHeaders headers = new RecordHeaders();
            headers.add("content-type", JSON_CONTENT_TYPE);
            context.forward(record.withValue(toJson(execution)).withHeaders(headers));
        }
    }

    private static String toJson(ControlExecution execution) {
        try {
            return ModelJson.mapper().writeValueAsString(execution);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize execution " + execution.executionId(), e);
        }
    }
}
