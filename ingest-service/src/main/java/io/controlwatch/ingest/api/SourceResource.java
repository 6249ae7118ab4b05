package io.controlwatch.ingest.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.controlwatch.common.api.Problem;
import io.controlwatch.common.api.ProblemException;
import io.controlwatch.common.api.QueryParams;
import io.controlwatch.common.api.Roles;
import io.controlwatch.ingest.logging.IngestLogging;
import io.controlwatch.ingest.service.BackfillMark;
import io.controlwatch.ingest.service.RegisteredSource;
import io.controlwatch.ingest.service.SourceActivity;
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
import jakarta.ws.rs.PUT;
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
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Comparator;
import java.util.Optional;
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
 * The source registry (docs/sources/README.md): admins register, rotate, disable and delete sources and mark
 * CloudEvents sources as backfilling; admins and auditors read them (auditors establish what is monitored), with
 * what this instance saw of each (activity, delays, last delivery and error). A secret appears in the answer of the
 * call that made it only.
 * <p>
 * Addressing: a registered source by its id in the path ({@code /api/v1/sources/{id}}); a CloudEvents source (what
 * events name as {@code source}, registered or not) by the query parameter {@code source}, URL-encoded
 * ({@code GET /api/v1/sources?source=…}, {@code PUT /api/v1/sources/backfill?source=…}).
 */
@Path("/api/v1/sources")
@Tag(name = "Sources", description = "Vendors that deliver directly to ControlWatch")
public class SourceResource {

    private static final int MAX_NAME_LENGTH = 200;
    private static final Set<String> KINDS = Arrays.stream(SourceKind.values()).map(SourceKind::wireName)
            .collect(Collectors.toCollection(LinkedHashSet::new));
    private static final Set<String> FIELDS = Set.of("kind", "name", "options");
    private static final Set<String> BACKFILL_FIELDS = Set.of("backfilling", "reason");
    private static final int MAX_REASON_LENGTH = 500;
    private static final int MAX_SOURCE_LENGTH = 1024;
    private static final String CURSOR_VERSION = "v1|";

    /** A registration as an admin sends it. */
    public record Registration(String kind, String name, JsonNode options) {
    }

    /**
     * A source as it is read back, never a secret: a registered one (id, kind, name, … and its last delivery and last
     * error) or a CloudEvents source observed by this instance or marked backfilling ({@code source} set, {@code id}
     * null). {@code activity} is what this ingest instance saw of its events.
     */
    public record SourceView(String id, String kind, String name, String source, JsonNode options, String ingestionUrl,
                             Instant createdAt, String createdBy, Instant updatedAt, String updatedBy,
                             Instant previousSecretValidUntil, boolean disabled, Instant disabledAt, String disabledBy,
                             SourceActivity.Activity activity, SourceActivity.LastDelivery lastDelivery,
                             SourceActivity.LastError lastError, BackfillView backfill) {
    }

    /** A CloudEvents source's backfill mark: on or ended, why, by whom, since when. */
    public record BackfillView(boolean backfilling, String reason, Instant updatedAt, String updatedBy) {
        static BackfillView of(BackfillMark m) {
            return new BackfillView(m.backfilling(), m.reason(), m.updatedAt(), m.updatedBy());
        }
    }

    /** A keyset page: registered sources first (oldest first), then observed CloudEvents sources by URI. */
    public record SourcePage(List<SourceView> items, String next, boolean hasMore) {
    }

    /** The backfill mark as an admin sets it. */
    public record BackfillChange(boolean backfilling, String reason) {
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
    private final SourceActivity activity;

    public SourceResource(SourceRegistry registry, SourceActivity activity) {
        this.registry = registry;
        this.activity = activity;
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
        activity.known(made.source().id());
        return Response.created(URI.create("/api/v1/sources/" + made.source().id()))
                .entity(SourceWithSecret.of(made)).build();
    }

    @GET
    @RolesAllowed({Roles.ADMIN, Roles.AUDITOR, Roles.ANALYST, Roles.ONCALL})
    @Operation(summary = "The sources: registered ones and CloudEvents sources observed",
            description = "A keyset page of the registered sources (oldest first, without secrets; deleted ones are not "
                    + "listed) followed by the CloudEvents sources (the events' `source`) this ingest instance accepted "
                    + "events of or that are marked backfilling, by URI. Each with its `activity` as this instance saw it: "
                    + "lastEventTime, lastIngestTime, events, delayP50Seconds and delayP99Seconds over the last hour "
                    + "(ingest time minus event time; backfilled events excluded), idle (no event for cw.sources.activity.idle-after, "
                    + "15 min by default) and backfilling. With `source`, the one CloudEvents source of that URI (404 if this "
                    + "instance neither saw it nor holds a backfill mark for it); with `kind`, registered sources of that kind only.")
    @APIResponse(responseCode = "200", description = "A page of sources: items, next (the cursor of the following page, null on the last) and hasMore")
    @APIResponse(responseCode = "400", description = "An unknown kind, a limit out of 1-1000, a cursor this API did not give out, or source and kind together")
    @APIResponse(responseCode = "404", description = "The source URI given is neither observed by this instance nor marked backfilling")
    @Produces(MediaType.APPLICATION_JSON)
    public SourcePage list(@Parameter(description = "Only registered sources of this kind, e.g. github")
                           @QueryParam("kind") String kind,
                           @Parameter(description = "One CloudEvents source by its URI (URL-encoded), e.g. https%3A%2F%2Fidp.example.com")
                           @QueryParam("source") String source,
                           @Parameter(description = "Page size, 1-1000 (default 100)") @QueryParam("limit") String limit,
                           @Parameter(description = "The `next` of the previous page") @QueryParam("cursor") String cursor) {
        String only = QueryParams.oneOf("kind", kind, KINDS);
        int size = QueryParams.integer("limit", limit, 100, 1, 1000);
        String after = decodeCursor(cursor);
        String uri = QueryParams.text("source", source, MAX_SOURCE_LENGTH);
        if (uri != null) {
            if (only != null) {
                throw QueryParams.invalid("kind", "cannot be combined with 'source' (a CloudEvents source has no kind)");
            }
            SourceView one = observed(uri).orElseThrow(() -> new ProblemException(Problem.of(Response.Status.NOT_FOUND,
                    "unknown-source", "Unknown source", "This ingest instance has accepted no event of this source and "
                            + "holds no backfill mark for it.")));
            return new SourcePage(List.of(one), null, false);
        }
        List<SourceView> items = new ArrayList<>(size);
        String lastKey = null;
        boolean more = false;
        for (RegisteredSource s : registry.all()) {
            if (only != null && !s.kind().equals(only)) {
                continue;
            }
            String key = key(s);
            if (after != null && key.compareTo(after) <= 0) {
                continue;
            }
            if (items.size() == size) {
                more = true;
                break;
            }
            items.add(view(s));
            lastKey = key;
        }
        if (!more && only == null) {
            java.util.TreeSet<String> sources = new java.util.TreeSet<>(activity.observedSources());
            sources.addAll(registry.markedSources());
            for (String observed : sources) {
                String key = "1|" + observed;
                if (after != null && key.compareTo(after) <= 0) {
                    continue;
                }
                if (items.size() == size) {
                    more = true;
                    break;
                }
                Optional<SourceView> view = observed(observed);
                if (view.isPresent()) {
                    items.add(view.get());
                    lastKey = key;
                }
            }
        }
        return new SourcePage(items, more ? encodeCursor(lastKey) : null, more);
    }

    @GET
    @Path("/{id}")
    @RolesAllowed({Roles.ADMIN, Roles.AUDITOR, Roles.ANALYST, Roles.ONCALL})
    @Operation(summary = "One registered source",
            description = "Without its secret; with its activity (over the events its deliveries produced), whether it is "
                    + "disabled, and the last delivery (time, outcome, events produced) and last error (time, reason) "
                    + "this ingest instance saw.")
    @APIResponse(responseCode = "200", description = "The source")
    @APIResponse(responseCode = "404", description = "No such source (or it was deleted)")
    @Produces(MediaType.APPLICATION_JSON)
    public SourceView get(@Parameter(description = "The source's id, as registration answered it") @PathParam("id") String id) {
        return registry.get(id).map(this::view).orElseThrow(() -> unknown(id));
    }

    @POST
    @Path("/{id}/disable")
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Disable a source",
            description = "Its deliveries are answered 403 source-disabled (once they authenticate; a wrong secret stays 401) "
                    + "and counted, on every instance once they read the change; nothing of them is kept. Its secret stays "
                    + "valid for when it is enabled again. Recorded as a controlwatch.source.disabled audit event; "
                    + "disabling a disabled source changes nothing.")
    @APIResponse(responseCode = "200", description = "The source, disabled")
    @APIResponse(responseCode = "404", description = "No such source (or it was deleted)")
    @APIResponse(responseCode = "503", description = "Kafka did not take the change")
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public SourceView disable(@Parameter(description = "The source's id") @PathParam("id") String id,
                              @Context SecurityContext security) {
        return write(() -> registry.setDisabled(id, true, caller(security))).map(this::view).orElseThrow(() -> unknown(id));
    }

    @POST
    @Path("/{id}/enable")
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Enable a disabled source",
            description = "Its deliveries are accepted again. Recorded as a controlwatch.source.enabled audit event; "
                    + "enabling an enabled source changes nothing.")
    @APIResponse(responseCode = "200", description = "The source, enabled")
    @APIResponse(responseCode = "404", description = "No such source (or it was deleted)")
    @APIResponse(responseCode = "503", description = "Kafka did not take the change")
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public SourceView enable(@Parameter(description = "The source's id") @PathParam("id") String id,
                             @Context SecurityContext security) {
        return write(() -> registry.setDisabled(id, false, caller(security))).map(this::view).orElseThrow(() -> unknown(id));
    }

    @PUT
    @Path("/backfill")
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Mark a CloudEvents source as backfilling, or end the mark",
            description = "{\"backfilling\": true|false, \"reason\": \"…\"} for the CloudEvents source named by the query "
                    + "parameter `source` (its URI, URL-encoded). While marked, every event of that source accepted by any "
                    + "ingest instance (POST /api/v1/events and source deliveries) is stamped cwbackfill: true, which the "
                    + "evaluation judges against the source's own clock and records as backfilled. Kept on the registry "
                    + "topic with a controlwatch.source.backfill-started or -ended audit event in one Kafka transaction; "
                    + "setting the state a source already has changes nothing.")
    @APIResponse(responseCode = "200", description = "The source with its backfill mark and activity")
    @APIResponse(responseCode = "400", description = "No or an invalid source, a ControlWatch-own source, an unknown field, "
            + "backfilling missing or not a boolean, a reason too long or with control characters")
    @APIResponse(responseCode = "503", description = "Kafka did not take the change")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public SourceView backfill(@Parameter(description = "The CloudEvents source, as its events name it (URL-encoded)", required = true)
                               @QueryParam("source") String source, JsonNode body, @Context SecurityContext security) {
        String uri = backfillSource(source);
        BackfillChange change = parseBackfill(body);
        write(() -> registry.setBackfilling(uri, change.backfilling(), change.reason(), caller(security)));
        return observed(uri).orElseThrow();
    }

    private SourceView view(RegisteredSource s) {
        return new SourceView(s.id(), s.kind(), s.name(), null, s.options(), s.ingestionUrl(), s.createdAt(), s.createdBy(),
                s.updatedAt(), s.updatedBy(), s.previousSecretValidUntil(), s.disabled(), s.disabledAt(), s.disabledBy(),
                activity.registered(s.id()), activity.lastDelivery(s.id()).orElse(null),
                activity.lastError(s.id()).orElse(null), null);
    }

    /** A CloudEvents source this instance saw, or one with a backfill mark; empty if neither. */
    private Optional<SourceView> observed(String source) {
        Optional<BackfillMark> mark = registry.backfill(source);
        boolean backfilling = mark.map(BackfillMark::backfilling).orElse(false);
        Optional<SourceActivity.Activity> seen = activity.observed(source, backfilling);
        if (seen.isEmpty() && mark.isEmpty()) {
            return Optional.empty();
        }
        SourceActivity.Activity shown = seen.orElse(new SourceActivity.Activity(null, null, 0, null, null, true, backfilling));
        return Optional.of(new SourceView(null, null, null, source, null, null, null, null, null, null, null, false, null,
                null, shown, null, null, mark.map(BackfillView::of).orElse(null)));
    }

    /** The sort key of a registered source: created time, then id (what registry.all() orders by). */
    private static String key(RegisteredSource s) {
        Instant at = s.createdAt();
        return "0|" + String.format("%020d%09d", at.getEpochSecond(), at.getNano()) + "|" + s.id();
    }

    private static String encodeCursor(String key) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((CURSOR_VERSION + key).getBytes(StandardCharsets.UTF_8));
    }

    private static String decodeCursor(String cursor) {
        if (cursor == null || cursor.isBlank()) {
            return null;
        }
        try {
            String raw = new String(Base64.getUrlDecoder().decode(cursor.trim()), StandardCharsets.UTF_8);
            if (raw.startsWith(CURSOR_VERSION + "0|") || raw.startsWith(CURSOR_VERSION + "1|")) {
                return raw.substring(CURSOR_VERSION.length());
            }
        } catch (IllegalArgumentException e) {
            // answered below
        }
        throw QueryParams.invalid("cursor", "is not a cursor this API gave out (pass the 'next' of the previous page)");
    }

    /** The source a backfill is about: required, like an event's source (bounded, printable), not ControlWatch's own. */
    private static String backfillSource(String source) {
        if (source == null || source.isBlank()) {
            throw QueryParams.invalid("source", "is required: the CloudEvents source to mark, URL-encoded");
        }
        String uri = QueryParams.text("source", source, MAX_SOURCE_LENGTH);
        if (CloudEventValidator.hasControlCharacter(uri) || !uri.equals(uri.strip())) {
            throw QueryParams.invalid("source", "must not hold control characters or surrounding blanks");
        }
        // ControlWatch's own sources are refused, except a registered source's own urn:controlwatch:source:<id>
        if (uri.startsWith("urn:controlwatch:") && !uri.startsWith("urn:controlwatch:source:")) {
            throw QueryParams.invalid("source", "names one of ControlWatch's own sources");
        }
        return uri;
    }

    private static BackfillChange parseBackfill(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ProblemException.badRequest("invalid-backfill", "Invalid backfill mark",
                    "The body must be a JSON object {\"backfilling\": true|false, \"reason\": \"…\"}.");
        }
        List<Problem.FieldError> errors = new ArrayList<>();
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!BACKFILL_FIELDS.contains(name)) {
                errors.add(new Problem.FieldError(null, CloudEventValidator.hasControlCharacter(name) ? "?" : truncate(name),
                        "unknown field (known: backfilling, reason)"));
            }
        }
        JsonNode backfilling = body.get("backfilling");
        if (backfilling == null || !backfilling.isBoolean()) {
            errors.add(new Problem.FieldError(null, "backfilling", "must be true or false"));
        }
        JsonNode reason = body.get("reason");
        if (reason != null && !reason.isNull() && (!reason.isTextual() || reason.asText().length() > MAX_REASON_LENGTH
                || CloudEventValidator.hasControlCharacter(reason.asText()))) {
            errors.add(new Problem.FieldError(null, "reason", "must be a string of at most " + MAX_REASON_LENGTH
                    + " characters without control characters"));
        }
        if (!errors.isEmpty()) {
            throw new ProblemException(Problem.of(Response.Status.BAD_REQUEST, "invalid-backfill", "Invalid backfill mark",
                    "The backfill mark is invalid: " + errors.stream().map(e -> e.field() + " " + e.message())
                            .collect(Collectors.joining("; ")) + ".").withErrors(errors));
        }
        String why = reason == null || reason.isNull() || reason.asText().isBlank() ? null : reason.asText();
        return new BackfillChange(backfilling.asBoolean(), why);
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
