package io.controlwatch.ingest.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.controlwatch.common.api.Problem;
import io.controlwatch.common.api.ProblemException;
import io.controlwatch.common.api.QueryParams;
import io.controlwatch.common.api.Roles;
import io.controlwatch.ingest.logging.IngestLogging;
import io.controlwatch.ingest.service.RegisteredSource;
import io.controlwatch.ingest.service.SourceRegistry;
import io.controlwatch.model.CloudEventValidator;
import io.controlwatch.sources.AdapterLimits;
import io.controlwatch.sources.InMemoryAdapterStateStore;
import io.controlwatch.sources.SourceAdapters;
import io.controlwatch.sources.SourceKind;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The source registry (docs/sources/README.md): admins register, rotate and delete sources; admins and auditors
 * read them (auditors establish what is monitored). A secret appears in the answer of the call that made it only.
 */
@Path("/api/v1/sources")
@Tag(name = "Sources", description = "Vendors that deliver directly to ControlWatch")
public class SourceResource {

    private static final int MAX_NAME_LENGTH = 200;
    private static final Set<String> KINDS = Arrays.stream(SourceKind.values()).map(SourceKind::wireName)
            .collect(Collectors.toCollection(LinkedHashSet::new));
    private static final Set<String> FIELDS = Set.of("kind", "name", "options");

    /** A registration as an admin sends it. */
    public record Registration(String kind, String name, JsonNode options) {
    }

    /** A source as it is read back: never a secret. */
    public record SourceView(String id, String kind, String name, JsonNode options, String ingestionUrl,
                             Instant createdAt, String createdBy, Instant updatedAt, String updatedBy,
                             Instant previousSecretValidUntil) {
        static SourceView of(RegisteredSource s) {
            return new SourceView(s.id(), s.kind(), s.name(), s.options(), s.ingestionUrl(), s.createdAt(), s.createdBy(),
                    s.updatedAt(), s.updatedBy(), s.previousSecretValidUntil());
        }
    }

    /** The answer of register and rotate: the only time the secret is shown. */
    public record SourceWithSecret(String id, String kind, String name, String ingestionUrl, String secret,
                                   Instant previousSecretValidUntil) {
        static SourceWithSecret of(SourceRegistry.Registration r) {
            RegisteredSource s = r.source();
            return new SourceWithSecret(s.id(), s.kind(), s.name(), s.ingestionUrl(), r.secret(), s.previousSecretValidUntil());
        }
    }

    private final SourceRegistry registry;
    private final SourceAdapters adapters;

    public SourceResource(SourceRegistry registry) {
        this.registry = registry;
        // only validateOptions is used here: the adapters' state store is never touched
        this.adapters = new SourceAdapters(AdapterLimits.DEFAULT, new InMemoryAdapterStateStore());
    }

    @POST
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Register a source",
            description = "{kind, name, options}: the options are checked by the kind's adapter (docs/sources/<kind>.md). "
                    + "Answers the source's id, its ingestion URL and its secret, shown this once. The registration and a "
                    + "controlwatch.source.registered audit event are written in one Kafka transaction.")
    @APIResponse(responseCode = "201", description = "Registered: id, ingestionUrl and the secret (shown once)")
    @APIResponse(responseCode = "400", description = "Unknown kind, missing or invalid name, unknown option or option of the wrong type (each named)")
    @APIResponse(responseCode = "503", description = "No cw.sources.secret-key is configured, or Kafka did not take the change")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public Response register(JsonNode body, @Context SecurityContext security) {
        Registration registration = parse(body);
        SourceKind kind = SourceKind.fromWireName(registration.kind()).orElseThrow();
        List<String> problems = adapters.forKind(kind).validateOptions(registration.options());
        if (!problems.isEmpty()) {
            throw new ProblemException(Problem.of(Response.Status.BAD_REQUEST, "invalid-source-options", "Invalid source options",
                    "The options are not valid for a " + kind.wireName() + " source (docs/sources/" + kind.wireName() + ".md): "
                            + String.join("; ", problems) + ".")
                    .withErrors(problems.stream().map(p -> new Problem.FieldError(null, "options", p)).toList()));
        }
        requireSealing();
        SourceRegistry.Registration made = write(() -> registry.register(kind, registration.name(),
                registration.options() == null ? null : registration.options(), caller(security)));
        return Response.created(URI.create("/api/v1/sources/" + made.source().id()))
                .entity(SourceWithSecret.of(made)).build();
    }

    @GET
    @RolesAllowed({Roles.ADMIN, Roles.AUDITOR})
    @Operation(summary = "The registered sources",
            description = "Oldest first, without secrets. Deleted sources are not listed.")
    @APIResponse(responseCode = "200", description = "The sources")
    @APIResponse(responseCode = "400", description = "An unknown kind")
    @Produces(MediaType.APPLICATION_JSON)
    public List<SourceView> list(@Parameter(description = "Only sources of this kind, e.g. github")
                                 @QueryParam("kind") String kind) {
        String only = QueryParams.oneOf("kind", kind, KINDS);
        return registry.all().stream().filter(s -> only == null || s.kind().equals(only)).map(SourceView::of).toList();
    }

    @GET
    @Path("/{id}")
    @RolesAllowed({Roles.ADMIN, Roles.AUDITOR})
    @Operation(summary = "One source", description = "Without its secret.")
    @APIResponse(responseCode = "200", description = "The source")
    @APIResponse(responseCode = "404", description = "No such source (or it was deleted)")
    @Produces(MediaType.APPLICATION_JSON)
    public SourceView get(@Parameter(description = "The source's id, as registration answered it") @PathParam("id") String id) {
        return registry.get(id).map(SourceView::of).orElseThrow(() -> unknown(id));
    }

    @POST
    @Path("/{id}/rotate")
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Rotate a source's secret",
            description = "Issues a new secret, shown this once; the previous one stays valid for the rotation overlap "
                    + "(cw.sources.rotation-overlap, 24 h by default) so the vendor side can be switched without losing "
                    + "deliveries. Recorded as a controlwatch.source.secret-rotated audit event.")
    @APIResponse(responseCode = "200", description = "The new secret and until when the previous one is accepted")
    @APIResponse(responseCode = "404", description = "No such source (or it was deleted)")
    @APIResponse(responseCode = "503", description = "No cw.sources.secret-key is configured, or Kafka did not take the change")
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public SourceWithSecret rotate(@Parameter(description = "The source's id") @PathParam("id") String id,
                                   @Context SecurityContext security) {
        requireSealing();
        return write(() -> registry.rotate(id, caller(security))).map(SourceWithSecret::of).orElseThrow(() -> unknown(id));
    }

    @DELETE
    @Path("/{id}")
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Delete a source",
            description = "Its deliveries are refused (401) from now on, on every instance once they read the change. "
                    + "Recorded as a controlwatch.source.deleted audit event; events already ingested stay.")
    @APIResponse(responseCode = "204", description = "Deleted")
    @APIResponse(responseCode = "404", description = "No such source (or it was deleted already)")
    @APIResponse(responseCode = "503", description = "Kafka did not take the change")
    @Blocking
    public Response delete(@Parameter(description = "The source's id") @PathParam("id") String id,
                           @Context SecurityContext security) {
        if (!write(() -> registry.delete(id, caller(security)))) {
            throw unknown(id);
        }
        return Response.noContent().build();
    }

    /** The registration, with unknown fields refused like unknown options (a typo is never ignored). */
    private static Registration parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ProblemException.badRequest("invalid-source", "Invalid source", "The body must be a JSON object {kind, name, options}.");
        }
        List<Problem.FieldError> errors = new ArrayList<>();
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                errors.add(new Problem.FieldError(null, CloudEventValidator.hasControlCharacter(name) ? "?" : truncate(name),
                        "unknown field (known: kind, name, options)"));
            }
        }
        JsonNode kind = body.get("kind");
        if (kind == null || !kind.isTextual() || !KINDS.contains(kind.asText())) {
            errors.add(new Problem.FieldError(null, "kind", "must be one of " + String.join(", ", KINDS)));
        }
        JsonNode name = body.get("name");
        if (name == null || !name.isTextual() || name.asText().isBlank() || name.asText().length() > MAX_NAME_LENGTH
                || CloudEventValidator.hasControlCharacter(name.asText())) {
            errors.add(new Problem.FieldError(null, "name", "must be a non-empty string of at most " + MAX_NAME_LENGTH
                    + " characters without control characters"));
        }
        JsonNode options = body.get("options");
        if (options != null && !options.isNull() && !options.isObject()) {
            errors.add(new Problem.FieldError(null, "options", "must be a JSON object"));
        }
        if (!errors.isEmpty()) {
            throw new ProblemException(Problem.of(Response.Status.BAD_REQUEST, "invalid-source", "Invalid source",
                    "The registration is invalid: " + errors.stream().map(e -> e.field() + " " + e.message())
                            .collect(Collectors.joining("; ")) + ".").withErrors(errors));
        }
        return new Registration(kind.asText(), name.asText(), options == null || options.isNull() ? null : options);
    }

    private static String truncate(String name) {
        return name.length() > 64 ? name.substring(0, 64) + "…" : name;
    }

    private void requireSealing() {
        if (!registry.canSeal()) {
            throw new ProblemException(Problem.of(Response.Status.SERVICE_UNAVAILABLE, "sources-not-configured",
                    "Sources not configured", "This ingest instance has no cw.sources.secret-key (CW_SOURCES_SECRET_KEY) "
                            + "to encrypt source secrets with; see docs/operations.md."));
        }
    }

    /** A registry write: Kafka not taking it in time is a 503 (nothing was applied here). */
    private static <T> T write(Supplier<T> change) {
        try {
            return change.get();
        } catch (ProblemException e) {
            throw e;
        } catch (RuntimeException e) {
            IngestLogging.LOG.sourceRegistryWriteFailed(e.toString());
            throw new ProblemException(Problem.of(Response.Status.SERVICE_UNAVAILABLE, "event-store-unavailable",
                    "Event store unavailable", "Kafka did not take the change in time; nothing changed. Retry later."));
        }
    }

    private static ProblemException unknown(String id) {
        return new ProblemException(Problem.of(Response.Status.NOT_FOUND, "unknown-source", "Unknown source",
                "No source with this id is registered."));
    }

    private static String caller(SecurityContext security) {
        return security.getUserPrincipal() == null ? "unknown" : security.getUserPrincipal().getName();
    }
}
