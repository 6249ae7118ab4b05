package io.controlwatch.ingest.service;

import io.controlwatch.common.api.Problem;
import io.controlwatch.common.api.ProblemException;
import io.controlwatch.ingest.logging.IngestLogging;
import io.controlwatch.sources.AdapterLimits;
import io.controlwatch.sources.AdapterOutcome;
import io.controlwatch.sources.Delivery;
import io.controlwatch.sources.DeliveryHeaders;
import io.smallrye.mutiny.Uni;
import io.controlwatch.sources.SourceAdapters;
import io.controlwatch.sources.SourceKind;
import io.controlwatch.sources.auth.DeliveryAuthenticator;
import io.controlwatch.sources.auth.OktaEventHooks;
import io.controlwatch.sources.auth.SourceSecrets;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What happens to a vendor delivery before anything is written: the source is looked up and the delivery
 * authenticated the vendor's way, then mapped by the kind's adapter and the events validated like submitted ones.
 * Writing (raw payload first, then the events) is the resource's, so that it answers only once Kafka holds them.
 */
@ApplicationScoped
public class SourceDeliveries {

    /** Headers never copied to the raw record: they may carry the source's secret. */
    private static final Set<String> NOT_KEPT = Set.of("authorization", "proxy-authorization", "cookie");

    /** A delivery understood: its raw record and the events to write (none when the vendor type is unmapped). */
    public record Prepared(RegisteredSource source, String rawReference, Map<String, String> rawHeaders,
                           List<AcceptedEvent> events, int skipped, String unsupportedType, ProblemException refusal,
                           Uni<Void> stateWritten) {
    }

    private final SourceRegistry registry;
    private final EventIntake intake;
    private final Clock clock;
    private final DeliveryAuthenticator authenticator;
    // The adapters' state (GitHub reviews and branch rules, Okta second factors) is durable on cw.adapter-state.v1
    private final DurableAdapterStateStore state;
    private final SourceAdapters adapters;

    public SourceDeliveries(SourceRegistry registry, EventIntake intake, Clock clock, DurableAdapterStateStore state) {
        this.state = state;
        this.adapters = new SourceAdapters(AdapterLimits.DEFAULT, state);
        this.registry = registry;
        this.intake = intake;
        this.clock = clock;
        this.authenticator = new DeliveryAuthenticator(clock);
    }

    /**
     * The source a delivery authenticates for, or a 401 that is the same whatever the reason (unknown or deleted
     * source, missing or wrong secret or signature, a stale Standard Webhooks timestamp): the answer tells a prober
     * nothing.
     */
    public RegisteredSource authenticate(String sourceId, DeliveryHeaders headers, byte[] body) {
        RegisteredSource source = registry.get(sourceId).orElseThrow(SourceDeliveries::notAuthenticated);
        Optional<SourceSecrets> secrets = registry.secrets(source);
        if (secrets.isEmpty() || !authenticator.authenticate(source.sourceKind(), headers, body, secrets.get())) {
            IngestLogging.LOG.deliveryNotAuthenticated(source.id(), source.kind());
            throw notAuthenticated();
        }
        if (source.disabled()) {
            // only once authenticated: a prober still learns nothing, the vendor's own secret learns why
            IngestLogging.LOG.deliveryToDisabledSource(source.id(), source.kind());
            throw disabled();
        }
        return source;
    }

    public static ProblemException disabled() {
        return new ProblemException(Problem.of(Response.Status.FORBIDDEN, "source-disabled", "Source disabled",
                "This source is disabled; an admin can enable it again (POST /api/v1/sources/{id}/enable). "
                        + "Nothing of this delivery was kept."));
    }

    /** Okta's one-time verification: the challenge echoed, once the request carries the hook's Authorization value. */
    public String verifyOkta(String sourceId, DeliveryHeaders headers) {
        RegisteredSource source = registry.get(sourceId).filter(s -> s.sourceKind() == SourceKind.OKTA)
                .orElseThrow(SourceDeliveries::notAuthenticated);
        Optional<SourceSecrets> secrets = registry.secrets(source);
        if (secrets.isEmpty() || !OktaEventHooks.verify(headers.get("Authorization").orElse(null), secrets.get())) {
            IngestLogging.LOG.deliveryNotAuthenticated(source.id(), source.kind());
            throw notAuthenticated();
        }
        return OktaEventHooks.verificationResponse(headers.get(OktaEventHooks.CHALLENGE_HEADER).orElse(null))
                .orElseThrow(() -> ProblemException.badRequest("invalid-verification-challenge", "Invalid verification challenge",
                        "The " + OktaEventHooks.CHALLENGE_HEADER + " header is missing or not 1-512 printable ASCII characters."));
    }

    /**
     * Maps an authenticated delivery. A payload the adapter refuses, or events that fail validation, still yield the
     * raw record (so the payload can be examined and replayed) with the refusal to answer.
     */
    public Prepared prepare(RegisteredSource source, DeliveryHeaders headers, byte[] body, String contentEncoding) {
        String reference = source.id() + ":sha256:" + sha256(body);
        Map<String, String> rawHeaders = new LinkedHashMap<>();
        headers.asMap().forEach((name, value) -> {
            if (!NOT_KEPT.contains(name)) {
                rawHeaders.put(name, value);
            }
        });
        rawHeaders.put("cw-source-id", source.id());
        rawHeaders.put("cw-source-kind", source.kind());
        rawHeaders.put("cw-received-at", clock.instant().toString());
        if (contentEncoding != null) {
            // the record keeps the body as sent
            rawHeaders.put("content-encoding", contentEncoding);
        }
        AdapterOutcome outcome;
        Uni<Void> stateWritten;
        state.begin();
        try {
            outcome = adapters.map(new Delivery(source.asAdapterSource(), headers, body, clock.instant()));
        } finally {
            stateWritten = state.written();
        }
        if (outcome instanceof AdapterOutcome.Mapped mapped) {
            try {
                List<AcceptedEvent> events = intake.mapped(mapped.events(), new Submitter("source:" + source.id(), null),
                        source.asAdapterSource().fallbackEventSource(), reference);
                return new Prepared(source, reference, rawHeaders, events, mapped.skipped(), null, null, stateWritten);
            } catch (ProblemException refused) {
                IngestLogging.LOG.deliveryMalformed(source.id(), source.kind(), reference, refused.problem().detail());
                return new Prepared(source, reference, rawHeaders, List.of(), 0, null, refused, stateWritten);
            }
        }
        if (outcome instanceof AdapterOutcome.Unsupported unsupported) {
            return new Prepared(source, reference, rawHeaders, List.of(), 0, unsupported.vendorEventType(), null, stateWritten);
        }
        String reason = ((AdapterOutcome.Malformed) outcome).reason();
        IngestLogging.LOG.deliveryMalformed(source.id(), source.kind(), reference, reason);
        return new Prepared(source, reference, rawHeaders, List.of(), 0, null,
                ProblemException.badRequest("unmappable-delivery", "Delivery not mapped",
                        "The payload is not one a " + source.kind() + " source sends: " + reason
                                + ". The payload was kept as received (" + reference + ")."), stateWritten);
    }

    public static ProblemException notAuthenticated() {
        return new ProblemException(Problem.of(Response.Status.UNAUTHORIZED, "source-not-authenticated",
                "Delivery not authenticated", "The delivery is not authenticated for this source."));
    }

    private static String sha256(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
