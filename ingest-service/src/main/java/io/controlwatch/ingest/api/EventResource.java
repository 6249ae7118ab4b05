package io.controlwatch.ingest.api;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import io.controlwatch.common.api.Problem;
import io.controlwatch.common.api.ProblemException;
import io.controlwatch.common.api.Roles;
import io.controlwatch.ingest.config.IngestConfig;
import io.controlwatch.ingest.messaging.EventPublisher;
import io.controlwatch.ingest.service.AcceptedEvent;
import io.controlwatch.ingest.service.EventIntake;
import io.controlwatch.ingest.service.SourceActivity;
import io.controlwatch.ingest.service.Submitter;
import io.controlwatch.model.CloudEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.jwt.JsonWebToken;
import io.controlwatch.ingest.logging.IngestLogging;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /api/v1/events}: one CloudEvent or a batch, answered {@code 202} only once Kafka holds every event.
 */
@Path("/api/v1/events")
@Tag(name = "Events", description = "CloudEvents into ControlWatch")
public class EventResource {

    /** What a client gets back: the ids of the events now durably in Kafka. */
    public record Accepted(int accepted, List<String> ids) {
    }

    private final EventIntake intake;
    private final EventPublisher publisher;
    private final IngestConfig config;
    private final MeterRegistry registry;
    private final JsonWebToken token;
    private final Counter accepted;
    private final SourceActivity activity;

    public EventResource(EventIntake intake, EventPublisher publisher, IngestConfig config, MeterRegistry registry,
                         JsonWebToken token, SourceActivity activity) {
        this.intake = intake;
        this.activity = activity;
        this.publisher = publisher;
        this.config = config;
        this.registry = registry;
        this.token = token;
        this.accepted = Counter.builder("cw.events.accepted").register(registry);
    }

    @POST
    @RolesAllowed(Roles.INGEST)
    @Operation(summary = "Submit CloudEvents",
            description = "Every content mode of the CloudEvents HTTP binding, at most 1 MiB: one event in structured mode "
                    + "(application/cloudevents+json), a batch of up to 1,000 (application/cloudevents-batch+json), or "
                    + "one event in binary mode, what the CloudEvents SDKs and Knative send by default (the attributes "
                    + "as ce-* headers, ce-specversion among them, values percent-encoded as the binding says; the data "
                    + "as the body with its own Content-Type: JSON data for a JSON media type, else kept as "
                    + "data_base64). Accepted whole or not at all; answered 202 only once Kafka acknowledged every "
                    + "event (acks=all). Known event types must match their data schema (docs/events.md); every "
                    + "attribute is bounded (docs/security.md).")
    @RequestBody(content = {
            @Content(mediaType = CloudEvent.MEDIA_TYPE),
            @Content(mediaType = CloudEvent.BATCH_MEDIA_TYPE),
            @Content(mediaType = MediaType.WILDCARD)})
    @APIResponse(responseCode = "202", description = "Every event of the request is durable in Kafka; their ids")
    @APIResponse(responseCode = "400", description = "An invalid event, attribute, header or data (problem+json naming it)")
    @APIResponse(responseCode = "403", description = "An event uses ControlWatch's own types, sources or cw* attributes, "
            + "or a source outside the token's 'sources' claim")
    @APIResponse(responseCode = "413", description = "The body is larger than 1 MiB, or an event is larger than 1,000,000 bytes as stored (more than one Kafka record takes)")
    @APIResponse(responseCode = "415", description = "Neither a CloudEvents media type nor a binary-mode event "
            + "(no ce-specversion header)")
    @APIResponse(responseCode = "503", description = "Kafka did not acknowledge in time; retry after Retry-After seconds")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public Response accept(@Context HttpHeaders headers, InputStream stream) {
        List<AcceptedEvent> events;
        try {
            MediaType contentType = headers.getMediaType();
            Submitter submitter = Submitters.of(token);
            if (isStructured(contentType)) {
                byte[] body = readAtMost(stream, config.maxBodyBytes());
                events = isBatch(contentType) ? intake.batch(body, submitter) : intake.single(body, submitter);
            } else if (BinaryModeHeaders.present(headers.getRequestHeaders())) {
                // structured mode wins when both are present: the binding identifies it by the media type
                Map<String, String> attributes = BinaryModeHeaders.attributes(headers.getRequestHeaders());
                byte[] body = readAtMost(stream, config.maxBodyBytes());
                events = intake.binary(attributes, headers.getHeaderString(HttpHeaders.CONTENT_TYPE), body, submitter);
            } else {
                throw new ProblemException(Problem.of(Response.Status.UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type",
                        "Unsupported media type", "Send application/cloudevents+json, "
                                + "application/cloudevents-batch+json, or one event in binary mode (ce-* headers, "
                                + "ce-specversion among them)."));
            }
        } catch (ProblemException e) {
            rejected(e.problem(), 1);
            throw e;
        }
        // Waited for here, on the worker thread that read the body (bounded by the publish timeout): resuming the
        // request from the Kafka producer's acknowledgement instead once answered a durable event with a 500
        // (ContextNotActiveException writing the response, seen under load in EvaluationRestartIT). What follows
        // runs here too, not on the producer's I/O thread that completes the acknowledgements.
        publish(events);
        accepted.increment(events.size());
        activity.accepted(events, null);
        List<String> ids = events.stream().map(AcceptedEvent::id).toList();
        return Response.accepted(new Accepted(ids.size(), ids)).build();
    }

    /** Returns once Kafka acknowledged every event; throws a 503 problem if it did not in time. */
    private void publish(List<AcceptedEvent> events) {
        publisher.publishAll(events)
                .ifNoItem().after(config.publishTimeout()).fail()
                .onFailure().transform(failure -> {
                    // Some events of the request may be in Kafka already: a retry is safe, because execution ids
                    // are derived from (control, source, id) and stored once.
                    IngestLogging.LOG.kafkaUnavailable(events.size(), failure.toString());
                    Problem problem = Problem.of(Response.Status.SERVICE_UNAVAILABLE, "event-store-unavailable",
                            "Event store unavailable",
                            "Kafka did not acknowledge the events in time; nothing is confirmed. Retry later.");
                    rejected(problem, events.size());
                    return new ProblemException(problem, Map.of(HttpHeaders.RETRY_AFTER, String.valueOf(config.retryAfterSeconds())));
                })
                .await().indefinitely();
    }

    /**
     * Reads the body, stopping one byte past the limit: a body without Content-Length (chunked) is refused with a
     * problem as soon as it is too large, instead of being buffered to the transport's hard limit.
     */
    private byte[] readAtMost(InputStream stream, int limit) {
        try {
            byte[] body = stream.readNBytes(limit + 1);
            if (body.length > limit) {
                throw tooLarge();
            }
            return body;
        } catch (IOException e) {
            throw "Request too large".equals(e.getMessage()) ? tooLarge()
                    : ProblemException.badRequest("unreadable-body", "Unreadable body", "The request body could not be read to its end.");
        }
    }

    static boolean isStructured(MediaType contentType) {
        return contentType != null && "application".equalsIgnoreCase(contentType.getType())
                && ("cloudevents+json".equalsIgnoreCase(contentType.getSubtype())
                || "cloudevents-batch+json".equalsIgnoreCase(contentType.getSubtype()));
    }

    static boolean isBatch(MediaType contentType) {
        return contentType != null && "cloudevents-batch+json".equalsIgnoreCase(contentType.getSubtype());
    }

    private ProblemException tooLarge() {
        return new ProblemException(Problem.of(Response.Status.REQUEST_ENTITY_TOO_LARGE, "payload-too-large",
                "Payload too large", "The request body exceeds " + config.maxBodyBytes() + " bytes; split the batch."));
    }

    private void rejected(Problem problem, int count) {
        String reason = problem.type().substring(problem.type().lastIndexOf(':') + 1);
        registry.counter("cw.events.rejected", "reason", reason).increment(count);
    }
}
