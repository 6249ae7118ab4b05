package io.controlwatch.ingest.api;

import io.controlwatch.common.api.Problem;
import io.controlwatch.common.api.ProblemException;
import io.controlwatch.ingest.config.IngestConfig;
import io.controlwatch.ingest.config.SourcesConfig;
import io.controlwatch.ingest.logging.IngestLogging;
import io.controlwatch.ingest.messaging.EventPublisher;
import io.controlwatch.ingest.service.AcceptedEvent;
import io.controlwatch.ingest.service.RegisteredSource;
import io.controlwatch.ingest.service.SourceActivity;
import io.controlwatch.ingest.service.SourceDeliveries;
import io.controlwatch.ingest.service.SourceRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import io.controlwatch.sources.DeliveryHeaders;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * {@code /api/v1/sources/{id}/events}: where a registered vendor delivers. No JWT: the vendor authenticates with the
 * source's secret, its own way (source-adapters), so the endpoint is {@code @PermitAll} and every check is here; the
 * answer is 2xx only once Kafka holds the raw payload and every event made of it.
 */
@Path("/api/v1/sources/{id}/events")
@Tag(name = "Sources", description = "Vendors that deliver directly to ControlWatch")
public class SourceDeliveryResource {

    /** What a vendor gets back: the events now durable in Kafka and the reference of the raw payload. */
    public record DeliveryAccepted(int accepted, List<String> ids, String raw, int skipped, String unsupportedType) {
    }

    private final SourceDeliveries deliveries;
    private final EventPublisher publisher;
    private final IngestConfig config;
    private final SourcesConfig sources;
    private final MeterRegistry registry;
    private final SourceActivity activity;
    private final SourceRegistry sourceRegistry;

    public SourceDeliveryResource(SourceDeliveries deliveries, EventPublisher publisher, IngestConfig config,
                                  SourcesConfig sources, MeterRegistry registry, SourceActivity activity,
                                  SourceRegistry sourceRegistry) {
        this.deliveries = deliveries;
        this.activity = activity;
        this.sourceRegistry = sourceRegistry;
        this.publisher = publisher;
        this.config = config;
        this.sources = sources;
        this.registry = registry;
    }

    @POST
    @PermitAll
    @Operation(summary = "A vendor's delivery to a registered source",
            description = "Authenticated the vendor's way with the source's secret (docs/sources/<kind>.md), kept as "
                    + "received on cw.raw.v1, mapped to taxonomy events that carry cwraw (the raw record's key) and "
                    + "cwsubmitter source:<id>, validated like POST /api/v1/events. Gzip bodies (Content-Encoding: gzip) "
                    + "are decompressed. Answered 202 only once Kafka holds the raw payload and every event.")
    @APIResponse(responseCode = "202", description = "Stored: the events' ids, the raw reference; also for a vendor event type no mapping handles (unsupportedType)")
    @APIResponse(responseCode = "400", description = "Not a payload of the source's kind, or the events made of it are invalid (the raw payload is kept)")
    @APIResponse(responseCode = "401", description = "Not authenticated for this source: one answer whatever the reason (unknown or deleted source included)")
    @APIResponse(responseCode = "403", description = "The payload holds ControlWatch's own types, sources or cw* attributes, "
            + "or the source is disabled (source-disabled, answered only once the delivery authenticated)")
    @APIResponse(responseCode = "413", description = "The body, or its decompressed payload, is too large")
    @APIResponse(responseCode = "415", description = "A Content-Encoding other than gzip or identity")
    @APIResponse(responseCode = "503", description = "Kafka did not acknowledge in time; the vendor retries (ids make a retry safe)")
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public Response deliver(@Parameter(description = "The source's id, as registration answered it") @PathParam("id") String id,
                                 @Context HttpHeaders httpHeaders, InputStream stream) {
        try {
            return deliverAuthenticated(id, httpHeaders, stream);
        } catch (ProblemException refused) {
            // counted per registered source only: the registry bounds the ids, a prober's made-up ones are not kept
            sourceRegistry.get(id).ifPresent(source -> activity.delivery(source.id(), outcome(refused), 0,
                    describe(refused.problem())));
            throw refused;
        }
    }

    private static String outcome(ProblemException refused) {
        int status = refused.problem().status();
        if (status == 401) {
            return "unauthenticated";
        }
        if (refused.problem().type().endsWith("source-disabled")) {
            return "disabled";
        }
        return status == 503 ? "failed" : "rejected";
    }

    /** The problem's title and detail, bounded: what GET /api/v1/sources/{id} shows as the last error. */
    private static String describe(Problem problem) {
        String text = problem.status() + " " + problem.title() + (problem.detail() == null ? "" : ": " + problem.detail());
        return text.length() > 500 ? text.substring(0, 500) + "…" : text;
    }

    private Response deliverAuthenticated(String id, HttpHeaders httpHeaders, InputStream stream) {
        byte[] sent = readAtMost(stream, config.maxBodyBytes(), config.maxBodyBytes());
        if (sent.length > config.maxEventBytes()) {
            // kept whole in one record of cw.raw.v1: larger than Kafka takes would be a 503 the vendor retries for ever
            throw tooLarge(config.maxEventBytes());
        }
        String encoding = contentEncoding(httpHeaders);
        byte[] payload = encoding == null ? sent : gunzip(sent);
        DeliveryHeaders headers = headers(httpHeaders);
        RegisteredSource source = deliveries.authenticate(id, headers, payload);
        SourceDeliveries.Prepared prepared = deliveries.prepare(source, headers, payload, encoding);
        // The raw payload first, so that no event ever names a raw record that is not there. If any write fails the
        // vendor gets a 503 and retries: the raw record is keyed by its content hash and events keep their
        // vendor-derived ids, so what got in before the failure is stored again under the same ids and kept once
        // downstream (idempotency by event id).
        // The adapters' state written by this delivery (a GitHub review, say) is awaited too: a 2xx never leaves the
        // vendor's next delivery depending on state Kafka does not hold.
        Uni<Void> written = publisher.publishRaw(prepared.rawReference(), sent, prepared.rawHeaders())
                .chain(prepared::stateWritten)
                .chain(() -> prepared.refusal() == null ? publisher.publishAll(prepared.events()) : Uni.createFrom().voidItem());
        // waited for on this worker thread (bounded by the publish timeout), as POST /api/v1/events does; what
        // follows runs here too, not on the producer's I/O thread that completes the acknowledgements
        written
                .ifNoItem().after(config.publishTimeout()).fail()
                .onFailure().transform(failure -> {
                    IngestLogging.LOG.deliveryNotStored(source.id(), prepared.events().size(), failure.toString());
                    return new ProblemException(Problem.of(Response.Status.SERVICE_UNAVAILABLE, "event-store-unavailable",
                            "Event store unavailable", "Kafka did not acknowledge the delivery in time; nothing is confirmed. Retry later."),
                            Map.of(HttpHeaders.RETRY_AFTER, String.valueOf(config.retryAfterSeconds())));
                })
                .await().indefinitely();
        if (prepared.refusal() != null) {
            registry.counter("cw.sources.deliveries", "kind", source.kind(), "outcome", "refused").increment();
            throw prepared.refusal();
        }
        if (prepared.unsupportedType() != null) {
            registry.counter("cw.sources.unsupported", "kind", source.kind(),
                    "type", truncate(prepared.unsupportedType())).increment();
        }
        registry.counter("cw.sources.deliveries", "kind", source.kind(), "outcome", "accepted").increment();
        registry.counter("cw.events.accepted").increment(prepared.events().size());
        activity.accepted(prepared.events(), source.id());
        activity.delivery(source.id(), prepared.unsupportedType() != null ? "unsupported" : "accepted",
                prepared.events().size(), null);
        List<String> ids = prepared.events().stream().map(AcceptedEvent::id).toList();
        return Response.accepted(new DeliveryAccepted(ids.size(), ids, prepared.rawReference(), prepared.skipped(),
                prepared.unsupportedType())).build();
    }

    @GET
    @PermitAll
    @Operation(summary = "Okta's one-time event hook verification",
            description = "Answers {\"verification\": <x-okta-verification-challenge>} when the request carries the "
                    + "hook's Authorization value (an okta source's secret); every other source answers 401.")
    @APIResponse(responseCode = "200", description = "The challenge, echoed")
    @APIResponse(responseCode = "400", description = "The challenge header is missing or implausible")
    @APIResponse(responseCode = "401", description = "Not an okta source, or not its Authorization value")
    @Produces(MediaType.APPLICATION_JSON)
    public String verify(@Parameter(description = "The source's id") @PathParam("id") String id, @Context HttpHeaders httpHeaders) {
        return deliveries.verifyOkta(id, headers(httpHeaders));
    }

    /** First value of every header, as DeliveryHeaders keeps them. */
    private static DeliveryHeaders headers(HttpHeaders httpHeaders) {
        Map<String, String> first = new HashMap<>();
        httpHeaders.getRequestHeaders().forEach((name, values) -> {
            if (!values.isEmpty()) {
                first.putIfAbsent(name, values.get(0));
            }
        });
        return DeliveryHeaders.of(first);
    }

    /** null for none or identity, "gzip" for gzip; anything else is refused (nothing is guessed). */
    private static String contentEncoding(HttpHeaders httpHeaders) {
        String encoding = httpHeaders.getHeaderString("Content-Encoding");
        if (encoding == null || encoding.isBlank() || encoding.trim().equalsIgnoreCase("identity")) {
            return null;
        }
        if (encoding.trim().equalsIgnoreCase("gzip")) {
            return "gzip";
        }
        throw new ProblemException(Problem.of(Response.Status.UNSUPPORTED_MEDIA_TYPE, "unsupported-content-encoding",
                "Unsupported content encoding", "Deliveries may be sent as they are or with Content-Encoding: gzip."));
    }

    /** Decompresses at most the payload bound plus one byte: a zip bomb costs no more than that. */
    private byte[] gunzip(byte[] sent) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(sent))) {
            return readAtMost(in, sources.maxPayloadBytes(), sources.maxPayloadBytes());
        } catch (IOException e) {
            throw ProblemException.badRequest("unreadable-body", "Unreadable body", "The body is not valid gzip.");
        }
    }

    /** Reads at most {@code limit} bytes, one more proves the body too large (see EventResource). */
    private static byte[] readAtMost(InputStream stream, int limit, int reported) {
        try {
            byte[] body = stream.readNBytes(limit + 1);
            if (body.length > limit) {
                throw tooLarge(reported);
            }
            return body;
        } catch (IOException e) {
            if ("Request too large".equals(e.getMessage())) {
                throw tooLarge(reported);
            }
            throw ProblemException.badRequest("unreadable-body", "Unreadable body", "The request body could not be read to its end.");
        }
    }

    private static ProblemException tooLarge(int limit) {
        return new ProblemException(Problem.of(Response.Status.REQUEST_ENTITY_TOO_LARGE, "payload-too-large",
                "Payload too large", "The delivery exceeds " + limit + " bytes."));
    }

    private static String truncate(String type) {
        String printable = type.replaceAll("[^\\x20-\\x7e]", "?");
        return printable.length() > 64 ? printable.substring(0, 64) : printable;
    }
}
