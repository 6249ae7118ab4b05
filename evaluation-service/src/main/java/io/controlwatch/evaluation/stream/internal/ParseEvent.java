package io.controlwatch.evaluation.stream.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.controlwatch.evaluation.logging.EvaluationLogging;
import io.controlwatch.model.CloudEvent;
import io.controlwatch.model.CloudEventValidator;
import io.controlwatch.model.DeadLetterHeaders;
import io.controlwatch.model.ModelJson;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Collectors;

/**
 * Parses and validates each record. A record that is not a valid CloudEvent (written around the ingest API,
 * or corrupted), or whose time is further ahead of the wall clock than sources' clocks may drift, is marked for the
 * dead-letter topic with its reason in headers; it never stops the stream.
 */
public class ParseEvent implements FixedKeyProcessor<String, byte[], ParsedEvent> {

    private final MeterRegistry registry;
    private final Clock clock;
    private final Duration maxFutureSkew;
    private FixedKeyProcessorContext<String, ParsedEvent> context;

    /** @param maxFutureSkew an event whose time is further ahead of the wall clock is dead-lettered */
    public ParseEvent(MeterRegistry registry, Clock clock, Duration maxFutureSkew) {
        this.registry = registry;
        this.clock = clock;
        this.maxFutureSkew = maxFutureSkew;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, ParsedEvent> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, byte[]> record) {
        byte[] raw = record.value() == null ? new byte[0] : record.value();
        JsonNode tree;
        try {
            tree = ModelJson.mapper().readTree(raw);
        } catch (IOException e) {
            deadLetter(record, raw, "invalid-json", "not valid JSON: "
                    + (e instanceof com.fasterxml.jackson.core.JsonProcessingException json ? json.getOriginalMessage() : e.getMessage()));
            return;
        }
        var violations = CloudEventValidator.validate(tree);
        if (!violations.isEmpty()) {
            deadLetter(record, raw, "invalid-event", "not a valid CloudEvent: " + violations.stream()
                    .map(v -> v.field() + " " + v.message()).collect(Collectors.joining("; ")));
            return;
        }
        try {
            CloudEvent event = ModelJson.mapper().treeToValue(tree, CloudEvent.class);
            Instant now = clock.instant();
            if (event.time() != null && event.time().toInstant().isAfter(now.plus(maxFutureSkew))) {
                // ingest refuses these; one written around it must not move a source's clock into the future
                deadLetter(record, raw, "future-time", "time " + event.time() + " is more than " + maxFutureSkew.toSeconds()
                        + " s ahead of the evaluation service's clock " + now);
                return;
            }
            context.forward(record.withValue(new ParsedEvent(event, raw)));
        } catch (IOException e) {
            deadLetter(record, raw, "invalid-event", "cannot be read as a CloudEvent: " + e.getMessage());
        }
    }

    private void deadLetter(FixedKeyRecord<String, byte[]> record, byte[] raw, String code, String reason) {
        Headers headers = record.headers();
        headers.add(DeadLetterHeaders.REASON, bytes(reason));
        headers.add(DeadLetterHeaders.REASON_CODE, bytes(code));
        context.recordMetadata().ifPresent(meta -> addOrigin(headers, meta));
        registry.counter("cw.events.dead.lettered", "reason", code).increment();
        EvaluationLogging.LOG.eventDeadLettered(context.recordMetadata().map(m -> m.topic() + "-" + m.partition() + "@"
                + m.offset()).orElse("?"), io.controlwatch.model.Topics.EVENTS_DEAD_LETTER, code, reason);
        context.forward(record.withValue(new ParsedEvent(null, raw)));
    }

    private static void addOrigin(Headers headers, RecordMetadata meta) {
        headers.add(DeadLetterHeaders.TOPIC, bytes(meta.topic()));
        headers.add(DeadLetterHeaders.PARTITION, bytes(String.valueOf(meta.partition())));
        headers.add(DeadLetterHeaders.OFFSET, bytes(String.valueOf(meta.offset())));
    }

    private static byte[] bytes(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
