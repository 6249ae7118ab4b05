package io.controlwatch.alerting.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.alerting.persistence.NativeSql;
import io.controlwatch.alerting.service.exemptions.Exemption;
import io.controlwatch.alerting.service.exemptions.ExemptionService;
import io.controlwatch.common.api.QueryParams;
import io.controlwatch.common.api.Roles;
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
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Governed exemptions: requested with a reason and an expiry, approved by a second admin, revocable, expiring. */
@Path("/api/v1/exemptions")
@Produces(MediaType.APPLICATION_JSON)
public class ExemptionResource {

    /** What the access log records of this read: the rows answered. */
    @jakarta.inject.Inject
    io.controlwatch.alerting.service.access.AccessDetails details;

    private static final String SLUG = "invalid-exemption";
    private static final String TITLE = "Invalid exemption";
    static final Set<String> STATUSES = Set.of(Exemption.PENDING, Exemption.ACTIVE, Exemption.REJECTED,
            Exemption.REVOKED, Exemption.EXPIRED);

    /** A request: {@code control}, {@code subject} (exact or glob with * and ?), {@code reason}, {@code expiresAt}. */
    public record Request(String control, String subject, String reason, String expiresAt) {
    }

    /** A decision's or a revocation's optional {@code comment}. */
    public record Decision(String comment) {
    }

    private final ExemptionService exemptions;
    private final JsonWebToken token;

    public ExemptionResource(ExemptionService exemptions, JsonWebToken token) {
        this.exemptions = exemptions;
        this.token = token;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.ANALYST, Roles.ADMIN})
    @Operation(summary = "Request an exemption", description = "PENDING until an admin other than the requester "
            + "approves it. expiresAt is required, in the future and at most 90 days away (configurable).")
    @APIResponse(responseCode = "201", description = "The exemption, PENDING")
    @APIResponse(responseCode = "400", description = "A field missing or out of bounds (problem+json naming it)")
    public Uni<Response> request(Request body) {
        if (body == null) {
            throw ApiJson.body("control", "is required (a JSON body: control, subject, reason, expiresAt)", SLUG, TITLE);
        }
        String control = ApiJson.text("control", body.control(), 80, true, SLUG, TITLE);
        String subject = ApiJson.text("subject", body.subject(), 256, true, SLUG, TITLE);
        String reason = ApiJson.text("reason", body.reason(), 2000, true, SLUG, TITLE);
        String expires = ApiJson.text("expiresAt", body.expiresAt(), 64, true, SLUG, TITLE);
        Instant expiresAt;
        try {
            expiresAt = OffsetDateTime.parse(expires).toInstant();
        } catch (DateTimeParseException e) {
            throw ApiJson.body("expiresAt", "must be an RFC 3339 timestamp, e.g. 2026-12-31T00:00:00Z", SLUG, TITLE);
        }
        return exemptions.request(control, subject, reason, expiresAt, token.getSubject())
                .map(e -> Response.status(Response.Status.CREATED).entity(view(e)).build());
    }

    @GET
    @RolesAllowed({Roles.ANALYST, Roles.ONCALL, Roles.AUDITOR, Roles.ADMIN})
    @Operation(summary = "List exemptions", description = "Newest requested first, each with its whole history; keyset "
            + "paging with 'next'.")
    @APIResponse(responseCode = "200", description = "A page of exemptions")
    @APIResponse(responseCode = "400", description = "An unknown parameter or a value out of range")
    public Uni<ObjectNode> list(
            @Parameter(description = "PENDING, ACTIVE, REJECTED, REVOKED or EXPIRED; repeat for several") @QueryParam("status") List<String> status,
            @Parameter(description = "control id") @QueryParam("control") String control,
            @Parameter(description = "1-500, default 100") @QueryParam("limit") String limitParam,
            @Parameter(description = "the 'next' of the previous page") @QueryParam("cursor") String cursor) {
        ObjectNode filter = NativeSql.json().createObjectNode();
        List<String> statuses = new ArrayList<>();
        for (String s : status == null ? List.<String>of() : status) {
            String v = QueryParams.oneOf("status", s, STATUSES);
            if (v != null) {
                statuses.add(v);
            }
        }
        if (!statuses.isEmpty()) {
            statuses.forEach(filter.putArray("status")::add);
        }
        String c = QueryParams.text("control", control, 80);
        if (c != null) {
            filter.put("control", c);
        }
        int limit = QueryParams.integer("limit", limitParam, 100, 1, 500);
        filter.put("limit", String.valueOf(limit));
        ApiJson.after(filter, cursor);
        return exemptions.list(filter).map(rows -> {
            List<JsonNode> items = new ArrayList<>();
            rows.forEach(r -> items.add(withHistory(r)));
            details.rows(items.size());
            return ApiJson.page(items, limit, e -> ApiJson.cursor(e.path("requestedAt").asText(), e.path("exemptionId").asText()));
        });
    }

    @GET
    @Path("/{id}")
    @RolesAllowed({Roles.ANALYST, Roles.ONCALL, Roles.AUDITOR, Roles.ADMIN})
    @Operation(summary = "One exemption", description = "With its whole history.")
    @APIResponse(responseCode = "200", description = "The exemption")
    @APIResponse(responseCode = "404", description = "No such exemption")
    public Uni<JsonNode> get(@Parameter(description = "exemption id (UUID)") @PathParam("id") String id) {
        String exemptionId = ApiJson.id(id, "exemption");
        ObjectNode filter = NativeSql.json().createObjectNode().put("id", exemptionId).put("limit", "1");
        return exemptions.list(filter).map(rows -> {
            if (rows.isEmpty()) {
                throw new io.controlwatch.common.api.ProblemException(io.controlwatch.common.api.Problem.of(
                        Response.Status.NOT_FOUND, "not-found", "Not found", "There is no exemption " + exemptionId + "."));
            }
            details.rows(1);
            return withHistory(rows.get(0));
        });
    }

    @POST
    @Path("/{id}/approve")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Approve an exemption", description = "PENDING → ACTIVE, by an admin who is not the requester. "
            + "Matching unresolved findings become EXEMPTED at once. Body: optional {\"comment\"}.")
    @APIResponse(responseCode = "200", description = "The exemption, ACTIVE")
    @APIResponse(responseCode = "403", description = "The caller requested it (four-eyes) or is not an admin")
    @APIResponse(responseCode = "404", description = "No such exemption")
    @APIResponse(responseCode = "409", description = "Not PENDING, or already past its expiry")
    public Uni<JsonNode> approve(@Parameter(description = "exemption id (UUID)") @PathParam("id") String id, Decision body) {
        String exemptionId = ApiJson.id(id, "exemption");
        return exemptions.approve(exemptionId, token.getSubject(), comment(body)).map(ExemptionResource::view);
    }

    @POST
    @Path("/{id}/reject")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Reject an exemption", description = "PENDING → REJECTED, by an admin who is not the requester.")
    @APIResponse(responseCode = "200", description = "The exemption, REJECTED")
    @APIResponse(responseCode = "403", description = "The caller requested it (four-eyes) or is not an admin")
    @APIResponse(responseCode = "404", description = "No such exemption")
    @APIResponse(responseCode = "409", description = "Not PENDING")
    public Uni<JsonNode> reject(@Parameter(description = "exemption id (UUID)") @PathParam("id") String id, Decision body) {
        String exemptionId = ApiJson.id(id, "exemption");
        return exemptions.reject(exemptionId, token.getSubject(), comment(body)).map(ExemptionResource::view);
    }

    @POST
    @Path("/{id}/revoke")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.ANALYST, Roles.ADMIN})
    @Operation(summary = "Revoke an exemption", description = "PENDING or ACTIVE → REVOKED: matching failures page again.")
    @APIResponse(responseCode = "200", description = "The exemption, REVOKED")
    @APIResponse(responseCode = "404", description = "No such exemption")
    @APIResponse(responseCode = "409", description = "Already ended")
    public Uni<JsonNode> revoke(@Parameter(description = "exemption id (UUID)") @PathParam("id") String id, Decision body) {
        String exemptionId = ApiJson.id(id, "exemption");
        return exemptions.revoke(exemptionId, token.getSubject(), comment(body)).map(ExemptionResource::view);
    }

    private static String comment(Decision body) {
        return ApiJson.text("comment", body == null ? null : body.comment(), 2000, false, SLUG, TITLE);
    }

    static JsonNode view(Exemption e) {
        return ApiJson.camel(NativeSql.json().valueToTree(e));
    }

    private static JsonNode withHistory(JsonNode row) {
        ObjectNode view = (ObjectNode) ApiJson.camel(row.path("exemption"));
        view.set("history", ApiJson.camel(row.path("history")));
        return view;
    }
}
