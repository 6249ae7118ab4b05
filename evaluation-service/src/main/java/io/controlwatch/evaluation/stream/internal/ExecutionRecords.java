package io.controlwatch.evaluation.stream.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ModelJson;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** How executions are written: JSON, keyed by subject, with their own headers, counted in metrics. */
final class ExecutionRecords {

    private static final byte[] JSON_CONTENT_TYPE = "application/json".getBytes(StandardCharsets.UTF_8);

    private ExecutionRecords() {
    }

    static String json(ControlExecution execution) {
        try {
            return ModelJson.mapper().writeValueAsString(execution);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize execution " + execution.executionId(), e);
        }
    }

    /**
     * An execution is not a CloudEvent: the event's headers (its CloudEvents content-type above all) must not
     * travel on, or consumers would try to read the execution as an event.
     */
    static Headers headers() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("content-type", JSON_CONTENT_TYPE);
        return headers;
    }

    static void count(MeterRegistry registry, ControlExecution execution) {
        registry.counter("cw.executions", "control", execution.controlId(),
                "result", execution.result().name().toLowerCase(Locale.ROOT)).increment();
    }
}
