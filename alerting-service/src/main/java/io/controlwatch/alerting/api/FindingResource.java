package io.controlwatch.alerting.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.alerting.persistence.NativeSql;
import io.controlwatch.alerting.service.findings.Finding;
import io.controlwatch.alerting.service.findings.FindingService;
import io.controlwatch.alerting.service.notify.Payloads;
import io.controlwatch.common.api.QueryParams;
import io.controlwatch.common.api.Roles;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Findings: one problem of one control for one subject, with its lifecycle, history and evidence. */
@Path("/api/v1/findings")
@Produces(MediaType.APPLICATION_JSON)
public class FindingResource {

    /** What the access log records of this read: the rows answered. */
    @jakarta.inject.Inject
    io.controlwatch.alerting.service.access.AccessDetails details;

    static final int MAX_LIMIT = 500;
    static final Set<String> STATUSES = Set.of(Finding.OPEN, Finding.ACKNOWLEDGED, Finding.RESOLVED, Finding.EXEMPTED);
    static final Set<String> SEVERITIES = Set.of("low", "medium", "high", "critical");
    private static final String SLUG = "invalid-finding-action";
    private static final String TITLE = "Invalid finding action";

    /** Body of the actions: {@code comment} (acknowledge, comment), {@code reason} (resolve), {@code assignee}. */
    public record Action(String comment, String reason, String assignee) {
    }

    private final FindingService findings;
    private final JsonWebToken token;

    public FindingResource(FindingService findings, JsonWebToken token) {
        this.findings = findings;
        this.token = token;
    }

    @GET
    @RolesAllowed({Roles.ANALYST, Roles.ONCALL, Roles.AUDITOR, Roles.ADMIN})
    @Operation(summary = "List findings", description = "Findings newest opened first, filtered; keyset paging: pass "
            + "the page's 'next' as 'cursor' for the following page.")
    @APIResponse(responseCode = "200", description = "A page of findings and the cursor of the next page")
    @APIResponse(responseCode = "400", description = "An unknown parameter or a value out of range (problem+json)")
    @APIResponse(responseCode = "404", description = "An unknown control (problem+json `unknown-control`)")
    @WithSession
    public Uni<ObjectNode> list(
            @Parameter(description = "OPEN, ACKNOWLEDGED, RESOLVED or EXEMPTED; repeat for several") @QueryParam("status") List<String> status,
            @Parameter(description = "control id") @QueryParam("control") String control,
            @Parameter(description = "subject, exactly") @QueryParam("subject") String subject,
            @Parameter(description = "low, medium, high or critical") @QueryParam("severity") String severity,
            @Parameter(description = "a Trust Services Criterion the control supports, e.g. CC6.1") @QueryParam("criterion") String criterion,
            @Parameter(description = "the control's owner") @QueryParam("owner") String owner,
            @Parameter(description = "true or false") @QueryParam("slaBreached") String slaBreached,
            @Parameter(description = "opened at or after, RFC 3339") @QueryParam("openedFrom") String openedFrom,
            @Parameter(description = "opened before, RFC 3339") @QueryParam("openedTo") String openedTo,
            @Parameter(description = "1-500, default 100") @QueryParam("limit") String limitParam,
            @Parameter(description = "the 'next' of the previous page") @QueryParam("cursor") String cursor) {
        ObjectNode filter = NativeSql.json().createObjectNode();
        Set<String> statuses = new LinkedHashSet<>();
        for (String s : status == null ? List.<String>of() : status) {
            String value = QueryParams.oneOf("status", s, STATUSES);
            if (value != null) {
                statuses.add(value);
            }
        }
        if (!statuses.isEmpty()) {
            statuses.forEach(filter.putArray("status")::add);
        }
        put(filter, "control", QueryParams.text("control", control, 80));
        put(filter, "subject", QueryParams.text("subject", subject, 256));
        put(filter, "severity", QueryParams.oneOf("severity", severity, SEVERITIES));
        put(filter, "criterion", QueryParams.text("criterion", criterion, 16));
        put(filter, "owner", QueryParams.text("owner", owner, 256));
        Boolean breached = QueryParams.bool("slaBreached", slaBreached);
        if (breached != null) {
            filter.put("sla_breached", breached.toString());
        }
        var from = QueryParams.instant("openedFrom", openedFrom);
        var to = QueryParams.instant("openedTo", openedTo);
        QueryParams.period("openedFrom", from, "openedTo", to);
        put(filter, "from", from == null ? null : from.toString());
        put(filter, "to", to == null ? null : to.toString());
        int limit = QueryParams.integer("limit", limitParam, 100, 1, MAX_LIMIT);
        filter.put("limit", String.valueOf(limit));
        ApiJson.after(filter, cursor);
        String controlId = filter.path("control").asText(null);
        Uni<Void> known = KnownControls.require(controlId);
        return known.chain(() -> findings.list(filter)).map(rows -> {
            List<JsonNode> items = new ArrayList<>();
            rows.forEach(r -> items.add(view(r)));
            details.rows(items.size());
            return ApiJson.page(items, limit, f -> ApiJson.cursor(f.path("openedAt").asText(), f.path("findingId").asText()));
        });
    }

    @GET
    @Path("/{id}")
    @RolesAllowed({Roles.ANALYST, Roles.ONCALL, Roles.AUDITOR, Roles.ADMIN})
    @Operation(summary = "One finding", description = "The finding with its whole history, its evidence (the latest "
            + "100 executions, and how many there are) and the notifications it caused.")
    @APIResponse(responseCode = "200", description = "The finding")
    @APIResponse(responseCode = "404", description = "No such finding (problem+json)")
    public Uni<JsonNode> get(@Parameter(description = "finding id (UUID)") @PathParam("id") String id) {
        String findingId = ApiJson.id(id, "finding");
        return findings.detail(findingId).map(detail -> {
            if (detail.isNull()) {
                throw FindingService.notFound(findingId);
            }
            ObjectNode out = (ObjectNode) view(detail.path("finding"));
            out.set("history", ApiJson.camel(detail.path("history")));
            out.put("evidenceCount", detail.path("evidence_count").asLong());
            out.set("evidence", ApiJson.camel(detail.path("evidence")));
            out.set("notifications", ApiJson.camel(detail.path("notifications")));
            details.rows(1);
            return out;
        });
    }

    @POST
    @Path("/{id}/acknowledge")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.ANALYST, Roles.ONCALL})
    @Operation(summary = "Acknowledge a finding", description = "OPEN → ACKNOWLEDGED: someone is on it. Reminders stop; "
            + "receivers that were paged are told (PagerDuty: acknowledge). Body: optional {\"comment\"}.")
    @APIResponse(responseCode = "200", description = "The finding as it is now")
    @APIResponse(responseCode = "404", description = "No such finding")
    @APIResponse(responseCode = "409", description = "The finding is not OPEN")
    public Uni<JsonNode> acknowledge(@Parameter(description = "finding id (UUID)") @PathParam("id") String id, Action body) {
        String comment = ApiJson.text("comment", body == null ? null : body.comment(), 2000, false, SLUG, TITLE);
        return findings.acknowledge(ApiJson.id(id, "finding"), actor(), comment).map(FindingResource::view);
    }

    @POST
    @Path("/{id}/resolve")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.ANALYST, Roles.ONCALL})
    @Operation(summary = "Resolve a finding", description = "→ RESOLVED by the caller, with a reason (required): "
            + "{\"reason\": \"…\"}. A later failure opens a new finding linked to this one.")
    @APIResponse(responseCode = "200", description = "The finding as it is now")
    @APIResponse(responseCode = "400", description = "No reason given")
    @APIResponse(responseCode = "404", description = "No such finding")
    @APIResponse(responseCode = "409", description = "Already resolved")
    public Uni<JsonNode> resolve(@Parameter(description = "finding id (UUID)") @PathParam("id") String id, Action body) {
        String findingId = ApiJson.id(id, "finding");
        String reason = ApiJson.text("reason", body == null ? null : body.reason(), 2000, true, SLUG, TITLE);
        return findings.resolve(findingId, actor(), reason).map(FindingResource::view);
    }

    @POST
    @Path("/{id}/assign")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.ANALYST, Roles.ONCALL})
    @Operation(summary = "Assign a finding", description = "Body: {\"assignee\": \"…\"} (required).")
    @APIResponse(responseCode = "200", description = "The finding as it is now")
    @APIResponse(responseCode = "400", description = "No assignee given")
    @APIResponse(responseCode = "404", description = "No such finding")
    @APIResponse(responseCode = "409", description = "Already resolved")
    public Uni<JsonNode> assign(@Parameter(description = "finding id (UUID)") @PathParam("id") String id, Action body) {
        String findingId = ApiJson.id(id, "finding");
        String assignee = ApiJson.text("assignee", body == null ? null : body.assignee(), 256, true, SLUG, TITLE);
        return findings.assign(findingId, actor(), assignee).map(FindingResource::view);
    }

    @POST
    @Path("/{id}/comment")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.ANALYST, Roles.ONCALL})
    @Operation(summary = "Comment on a finding", description = "Adds to its history. Body: {\"comment\": \"…\"} (required).")
    @APIResponse(responseCode = "200", description = "The finding")
    @APIResponse(responseCode = "400", description = "No comment given")
    @APIResponse(responseCode = "404", description = "No such finding")
    public Uni<JsonNode> comment(@Parameter(description = "finding id (UUID)") @PathParam("id") String id, Action body) {
        String findingId = ApiJson.id(id, "finding");
        String comment = ApiJson.text("comment", body == null ? null : body.comment(), 2000, true, SLUG, TITLE);
        return findings.comment(findingId, actor(), comment).map(FindingResource::view);
    }

    private String actor() {
        return token.getSubject();
    }

    static JsonNode view(Finding finding) {
        return view(NativeSql.json().valueToTree(finding));
    }

    /** A finding row as the API shows it: camelCase, with {@code summary} (the message, else the reason). */
    static JsonNode view(JsonNode row) {
        ObjectNode view = (ObjectNode) ApiJson.camel(row);
        view.remove("subjectKey");
        view.put("summary", Payloads.summary(row));
        return view;
    }

    private static void put(ObjectNode filter, String name, String value) {
        if (value != null) {
            filter.put(name, value);
        }
    }
}
