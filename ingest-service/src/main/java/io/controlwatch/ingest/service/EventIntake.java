package io.controlwatch.ingest.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.controlwatch.common.api.Problem;
import io.controlwatch.common.api.ProblemException;
import io.controlwatch.ingest.config.IngestConfig;
import io.controlwatch.model.CloudEvent;
import io.controlwatch.model.CloudEventValidator;
import io.controlwatch.model.ModelJson;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a request body into events ready for Kafka, or refuses it whole. Nothing is published unless every event
 * of the request is valid, so a client never has to find out which half of its batch got in.
 */
@ApplicationScoped
public class EventIntake {

    private static final ObjectMapper JSON = ModelJson.mapper();

    private final IngestConfig config;
    private final EventDataSchemas schemas;

    public EventIntake(IngestConfig config, EventDataSchemas schemas) {
        this.config = config;
        this.schemas = schemas;
    }

    /** One event in structured mode ({@code application/cloudevents+json}). */
    public List<AcceptedEvent> single(byte[] body) {
        JsonNode event = parse(body);
        List<Problem.FieldError> errors = new ArrayList<>();
        violations(event).forEach(v -> errors.add(new Problem.FieldError(null, v.field(), v.message())));
        if (!errors.isEmpty()) {
            throw invalid("The event is not a valid CloudEvents 1.0 event.", errors);
        }
        return List.of(accepted(event));
    }

    /** A JSON array of events ({@code application/cloudevents-batch+json}). */
    public List<AcceptedEvent> batch(byte[] body) {
        JsonNode batch = parse(body);
        if (!batch.isArray()) {
            throw ProblemException.badRequest("invalid-batch", "Invalid batch",
                    "A batch must be a JSON array of CloudEvents.");
        }
        if (batch.isEmpty()) {
            throw ProblemException.badRequest("invalid-batch", "Invalid batch", "The batch is empty.");
        }
        if (batch.size() > config.maxBatchSize()) {
            throw ProblemException.badRequest("batch-too-large", "Batch too large",
                    "A batch holds at most " + config.maxBatchSize() + " events; this one has " + batch.size() + ".");
        }
        List<Problem.FieldError> errors = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            int index = i;
            violations(batch.get(i)).forEach(v -> errors.add(new Problem.FieldError(index, v.field(), v.message())));
        }
        if (!errors.isEmpty()) {
            throw invalid("The batch holds invalid events; none of it was accepted.", errors);
        }
        List<AcceptedEvent> events = new ArrayList<>(batch.size());
        batch.forEach(event -> events.add(accepted(event)));
        return events;
    }

    /** CloudEvents rules first; then, for a known type, its data schema. */
    private List<CloudEventValidator.Violation> violations(JsonNode event) {
        List<CloudEventValidator.Violation> violations = CloudEventValidator.validate(event);
        if (violations.isEmpty()) {
            return schemas.validate(event.get("type").asText(), event.get("data"));
        }
        return violations;
    }

    private JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw ProblemException.badRequest("malformed-json", "Malformed JSON", "The request body is empty.");
        }
        try {
            JsonNode node = JSON.readTree(body);
            if (node == null || node.isMissingNode()) {
                throw ProblemException.badRequest("malformed-json", "Malformed JSON", "The request body is empty.");
            }
            return node;
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw ProblemException.badRequest("malformed-json", "Malformed JSON",
                    "The request body is not valid JSON" + where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ProblemException.badRequest("malformed-json", "Malformed JSON", "The request body cannot be read.");
        }
    }

    private static AcceptedEvent accepted(JsonNode event) {
        String subject = event.path("subject").isTextual() ? event.get("subject").asText() : null;
        String source = event.get("source").asText();
        String key = subject != null && !subject.isBlank() ? subject : source;
        return new AcceptedEvent(event.get("id").asText(), key, event.toString());
    }

    private static ProblemException invalid(String detail, List<Problem.FieldError> errors) {
        return new ProblemException(Problem.of(Response.Status.BAD_REQUEST, "invalid-event", "Invalid event", detail)
                .withErrors(errors));
    }

    /** Media types this intake understands, for the resource's {@code @Consumes}. */
    public static final String[] MEDIA_TYPES = {CloudEvent.MEDIA_TYPE, CloudEvent.BATCH_MEDIA_TYPE};
}
