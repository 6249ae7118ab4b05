package io.controlwatch.alerting.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ModelJson;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Reads one execution record, refusing anything that could not be stored as complete evidence. */
final class ExecutionReader {

    /** The parsed execution, or why it cannot be stored. */
    record Result(ControlExecution execution, String reasonCode, String reason) {
    }

    private ExecutionReader() {
    }

    static Result read(String json) {
        if (json == null || json.isBlank()) {
            return new Result(null, "empty", "empty record");
        }
        ControlExecution e;
        try {
            e = ModelJson.mapper().readValue(json, ControlExecution.class);
        } catch (JsonProcessingException ex) {
            return new Result(null, "invalid-json", "not a ControlExecution: " + ex.getOriginalMessage());
        }
        List<String> missing = new ArrayList<>();
        if (e.executionId() == null) missing.add("executionId");
        if (e.controlId() == null) missing.add("controlId");
        if (e.controlVersion() == null) missing.add("controlVersion");
        if (e.controlTitle() == null) missing.add("controlTitle");
        if (e.criteria() == null || e.criteria().isEmpty()) missing.add("criteria");
        if (e.severity() == null) missing.add("severity");
        if (e.result() == null) missing.add("result");
        if (e.eventId() == null) missing.add("eventId");
        if (e.eventSource() == null) missing.add("eventSource");
        if (e.eventType() == null) missing.add("eventType");
        if (e.eventTime() == null) missing.add("eventTime");
        if (e.ingestTime() == null) missing.add("ingestTime");
        if (e.evaluatedAt() == null) missing.add("evaluatedAt");
        if (!missing.isEmpty()) {
            return new Result(null, "incomplete-execution", "missing " + String.join(", ", missing));
        }
        try {
            UUID.fromString(e.executionId());
        } catch (IllegalArgumentException ex) {
            return new Result(null, "incomplete-execution", "executionId is not a UUID");
        }
        return new Result(e, null, null);
    }
}
