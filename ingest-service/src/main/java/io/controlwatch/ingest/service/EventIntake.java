package io.controlwatch.ingest.service;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.common.api.Problem;
import io.controlwatch.common.api.ProblemException;
import io.controlwatch.ingest.config.IngestConfig;
import io.controlwatch.model.CloudEvent;
import io.controlwatch.model.CloudEventValidator;
import io.controlwatch.model.EventTimes;
import io.controlwatch.model.ModelJson;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

import java.io.CharConversionException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * Turns a request body into events ready for Kafka, or refuses it whole. Nothing is published unless every event
 * of the request is valid, so a client never has to find out which half of its batch got in.
 * <p>
 * The JSON is read with bounds (nesting, number and key lengths, duplicate keys, nothing after the value), so a
 * hostile body costs little and is refused with a short, fixed description: parser internals never reach the
 * client.
 */
@ApplicationScoped
public class EventIntake {

    private final IngestConfig config;
    private final EventDataSchemas schemas;
    private final CloudEventValidator.Bounds bounds;
    private final ObjectMapper json;
    private final Clock clock;
    private final BackfillMarks backfills;

    public EventIntake(IngestConfig config, EventDataSchemas schemas, Clock clock, BackfillMarks backfills) {
        this.config = config;
        this.schemas = schemas;
        this.clock = clock;
        this.backfills = backfills;
        IngestConfig.Bounds b = config.bounds();
        this.bounds = new CloudEventValidator.Bounds(b.maxIdLength(), b.maxSourceLength(), b.maxTypeLength(),
                b.maxSubjectLength(), b.maxAttributeLength(), b.maxExtensions(), Instant.EPOCH, b.maxFutureSkew());
        this.json = strictMapper(config.json(), config.maxBodyBytes());
    }

    /** The JSON mapping of the shared model, reading with ingest's bounds. */
    static ObjectMapper strictMapper(IngestConfig.Json limits, int maxBodyBytes) {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(limits.maxNestingDepth())
                        .maxNumberLength(limits.maxNumberLength())
                        .maxNameLength(limits.maxNameLength())
                        .maxStringLength(maxBodyBytes)
                        .maxDocumentLength(maxBodyBytes)
                        .build())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        return ModelJson.configure(JsonMapper.builder(factory))
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
    }

    /** One event in structured mode ({@code application/cloudevents+json}). */
    public List<AcceptedEvent> single(byte[] body, Submitter submitter) {
        JsonNode event = parse(body);
        check(List.of(event), false, submitter);
        return List.of(accepted(event, submitter, null));
    }

    /**
     * One event in binary mode (CloudEvents HTTP binding, 3.1): its attributes came as {@code ce-*} headers, its data
     * is the body with its own Content-Type. The event is assembled as the structured event it stands for and then
     * held to exactly the same rules; JSON data (a JSON media type) is parsed as strictly as a structured body, any
     * other data is kept as {@code data_base64}.
     *
     * @param attributes  attribute name (without {@code ce-}, lower case) to its percent-decoded header value
     * @param contentType the request's Content-Type, the event's {@code datacontenttype}; null when absent
     */
    public List<AcceptedEvent> binary(Map<String, String> attributes, String contentType, byte[] body,
                                      Submitter submitter) {
        ObjectNode event = json.createObjectNode();
        attributes.forEach(event::put);
        if (contentType != null) {
            event.put("datacontenttype", contentType);
        }
        if (body.length > 0) {
            if (isJson(contentType)) {
                event.set("data", parse(body));
            } else {
                event.put("data_base64", java.util.Base64.getEncoder().encodeToString(body));
            }
        }
        check(List.of(event), false, submitter);
        return List.of(accepted(event, submitter, null));
    }

    /** application/json, text/json and every {@code +json} type: what the binding says holds JSON data. */
    static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        String type = contentType.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
        return type.equals("application/json") || type.equals("text/json") || type.endsWith("+json");
    }

    /** A JSON array of events ({@code application/cloudevents-batch+json}). */
    public List<AcceptedEvent> batch(byte[] body, Submitter submitter) {
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
        List<JsonNode> events = new ArrayList<>(batch.size());
        batch.forEach(events::add);
        check(events, true, submitter);
        List<AcceptedEvent> accepted = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            accepted.add(accepted(events.get(i), submitter, i));
        }
        return accepted;
    }

    /**
     * Events a source adapter made of one vendor delivery, held to the same rules as submitted events (envelope, data
     * schema, ControlWatch's reserved types, sources and {@code cw*} attributes) except that the source's own
     * {@code urn:controlwatch:source:<id>} (what adapters use when the vendor names no source) is allowed; then marked
     * with the raw payload's reference ({@code cwraw}) and the submitter ({@code cwsubmitter}).
     */
    public List<AcceptedEvent> mapped(List<ObjectNode> events, Submitter submitter, String ownSource, String rawReference) {
        if (events.isEmpty()) {
            return List.of();
        }
        check(new ArrayList<>(events), true, submitter, ownSource);
        List<AcceptedEvent> accepted = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            ObjectNode event = events.get(i);
            event.put(CloudEvent.RAW, rawReference);
            accepted.add(accepted(event, submitter, i));
        }
        return accepted;
    }

    private void check(List<JsonNode> events, boolean batch, Submitter submitter) {
        check(events, batch, submitter, null);
    }

    /**
     * Invalid events are a 400 naming every problem; then events this client may not send (ControlWatch's own types,
     * sources and extension attributes, or sources outside its token's {@code sources} claim) are a 403.
     */
    private void check(List<JsonNode> events, boolean batch, Submitter submitter, String ownSource) {
        Instant now = clock.instant();
        Errors invalid = new Errors(config.maxProblemErrors());
        Errors forbidden = new Errors(config.maxProblemErrors());
        java.util.Set<String> envelopeInvalid = new java.util.TreeSet<>();
        java.util.Set<String> dataInvalid = new java.util.TreeSet<>();
        for (int i = 0; i < events.size(); i++) {
            JsonNode event = events.get(i);
            Integer index = batch ? i : null;
            List<CloudEventValidator.Violation> envelope = CloudEventValidator.validate(event, bounds, now);
            List<CloudEventValidator.Violation> found = envelope.isEmpty()
                    ? schemas.validate(event.get("type").asText(), event.get("data")) : envelope;
            if (!envelope.isEmpty()) {
                envelopeInvalid.add(String.valueOf(i));
            } else if (!found.isEmpty()) {
                dataInvalid.add(event.get("type").asText());
            }
            found.forEach(v -> invalid.add(new Problem.FieldError(index, v.field(), v.message())));
            boolean ownSourceUsed = ownSource != null && ownSource.equals(event.path("source").asText(null));
            CloudEventValidator.reserved(event).stream()
                    .filter(v -> !(ownSourceUsed && "source".equals(v.field())))
                    .forEach(v -> forbidden.add(new Problem.FieldError(index, v.field(), v.message())));
            JsonNode source = event.path("source");
            if (source.isTextual() && !submitter.mayUse(source.asText())) {
                forbidden.add(new Problem.FieldError(index, "source",
                        "is outside the sources this token may submit for (its 'sources' claim)"));
            }
        }
        if (invalid.count > 0) {
            // say which rules were broken: the CloudEvents envelope, or a known type's data schema (docs/events.md)
            String what = envelopeInvalid.isEmpty()
                    ? "data does not match the schema of " + String.join(", ", dataInvalid.stream().map(t -> "`" + t + "`").toList())
                    + " (docs/events.md)"
                    : dataInvalid.isEmpty() ? "not a valid CloudEvents 1.0 event (see errors)"
                    : "invalid CloudEvents envelopes, and data that does not match the schema of "
                    + String.join(", ", dataInvalid.stream().map(t -> "`" + t + "`").toList());
            String detail = (batch ? "The batch holds invalid events (" + what + "); none of it was accepted."
                    : "The event is invalid: " + what + ".");
            throw new ProblemException(Problem.of(Response.Status.BAD_REQUEST, "invalid-event", "Invalid event",
                    detail + invalid.summary()).withErrors(invalid.listed));
        }
        if (forbidden.count > 0) {
            throw new ProblemException(Problem.of(Response.Status.FORBIDDEN, "forbidden-event", "Event not allowed",
                    "The request holds events this client may not submit; none of it was accepted." + forbidden.summary())
                    .withErrors(forbidden.listed));
        }
    }

    private JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw ProblemException.badRequest("malformed-json", "Malformed JSON", "The request body is empty.");
        }
        try {
            JsonNode node = json.readTree(body);
            if (node == null || node.isMissingNode()) {
                throw ProblemException.badRequest("malformed-json", "Malformed JSON", "The request body is empty.");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw ProblemException.badRequest("malformed-json", "Malformed JSON",
                    "The request body is not valid JSON: " + describe(e) + where(e.getLocation()) + ".");
        } catch (CharConversionException e) {
            throw ProblemException.badRequest("malformed-json", "Malformed JSON", "The request body is not valid UTF-8.");
        } catch (IOException e) {
            throw ProblemException.badRequest("malformed-json", "Malformed JSON", "The request body cannot be read.");
        }
    }

    /**
     * What is wrong, in a fixed vocabulary: the parser's own message names its internals (token classes, buffer
     * sizes, configuration methods) and echoes arbitrary input.
     */
    static String describe(JsonProcessingException e) {
        String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage().toLowerCase(Locale.ROOT);
        if (e instanceof StreamConstraintsException) {
            if (message.contains("nesting depth")) return "it is nested too deeply";
            if (message.contains("number")) return "a number is too long";
            if (message.contains("name")) return "a key is too long";
            return "it exceeds a size limit";
        }
        if (message.startsWith("duplicate field")) return "an object has a duplicate key";
        if (message.contains("utf-8") || message.contains("utf8") || message.contains("invalid character")) {
            return "it is not valid UTF-8";
        }
        if (message.contains("end-of-input") || message.contains("unexpected end")) return "it ends unexpectedly";
        if (message.contains("trailing token")) return "there is content after the JSON value";
        if (message.contains("control character")) return "a string holds an unescaped control character";
        if (message.contains("numeric value") || message.contains("number")) return "a number is malformed";
        return "unexpected content";
    }

    private static String where(JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return "";
        }
        return " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    /**
     * The event as stored: the client's JSON with {@code cwsubmitter} added, and {@code cwbackfill: true} while its
     * source is marked backfilling (a client can never set either itself: check() refuses cw* attributes); refused
     * whole (413) if that is larger than Kafka takes.
     *
     * @param index the event's position in a batch, null for a single event
     */
    private AcceptedEvent accepted(JsonNode event, Submitter submitter, Integer index) {
        ObjectNode stored = (ObjectNode) event;
        stored.put(CloudEvent.SUBMITTER, submitter.name());
        String subject = event.path("subject").isTextual() ? event.get("subject").asText() : null;
        String source = event.get("source").asText();
        boolean backfilled = backfills.backfilling(source);
        if (backfilled) {
            stored.put(CloudEvent.BACKFILL, true);
        }
        String key = subject != null && !subject.isBlank() ? subject : source;
        JsonNode time = event.get("time");
        // check() has validated it: an RFC 3339 timestamp when present
        Instant at = time == null || time.isNull() ? null : EventTimes.parse(time.asText());
        String json = stored.toString();
        // encoded (as Kafka's StringSerializer will) only when it could exceed the bound: at most 3 bytes per char
        int bytes = (long) json.length() * 3 > config.maxEventBytes() ? json.getBytes(StandardCharsets.UTF_8).length : 0;
        if (bytes > config.maxEventBytes()) {
            throw new ProblemException(Problem.of(Response.Status.REQUEST_ENTITY_TOO_LARGE, "event-too-large",
                    "Event too large", (index == null ? "The event" : "Event " + index + " of the batch") + " is "
                            + bytes + " bytes as stored; an event may be at most " + config.maxEventBytes()
                            + " bytes (binary-mode data counts as base64). Nothing of the request was accepted.")
                    .withErrors(List.of(new Problem.FieldError(index, "data", "makes the event larger than "
                            + config.maxEventBytes() + " bytes"))));
        }
        return new AcceptedEvent(event.get("id").asText(), key, json, submitter.name(), source, at, backfilled);
    }

    /** Field errors, listing at most a configured number (a hostile batch could otherwise make a huge answer). */
    private static final class Errors {
        final int max;
        final List<Problem.FieldError> listed = new ArrayList<>();
        int count;

        Errors(int max) {
            this.max = max;
        }

        void add(Problem.FieldError error) {
            count++;
            if (listed.size() < max) {
                listed.add(error);
            }
        }

        String summary() {
            return count > listed.size() ? " The first " + listed.size() + " of " + count + " problems are listed." : "";
        }
    }

    /** Media types this intake understands, for the resource's {@code @Consumes}. */
    public static final String[] MEDIA_TYPES = {CloudEvent.MEDIA_TYPE, CloudEvent.BATCH_MEDIA_TYPE};
}
