package io.controlwatch.alerting.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.alerting.persistence.NativeSql;
import io.controlwatch.alerting.service.notify.NotificationConfigs;
import io.controlwatch.alerting.service.notify.NotificationService;
import io.controlwatch.alerting.service.routing.NotificationConfigException;
import io.controlwatch.alerting.service.routing.NotificationConfigLoader;
import io.controlwatch.alerting.service.routing.Receiver;
import io.controlwatch.alerting.service.routing.Route;
import io.controlwatch.common.api.Problem;
import io.controlwatch.common.api.ProblemException;
import io.controlwatch.common.api.QueryParams;
import io.controlwatch.common.api.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
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

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The notification outbox (every notification with every attempt), manual retries, and the config in force. */
@Path("/api/v1/notifications")
@Produces(MediaType.APPLICATION_JSON)
public class NotificationResource {

    /** What the access log records of this read: the rows answered. */
    @jakarta.inject.Inject
    io.controlwatch.alerting.service.access.AccessDetails details;

    static final Set<String> STATUSES = Set.of("PENDING", "SENDING", "DELIVERED", "DEAD");

    private final NotificationService notifications;
    private final NotificationConfigs configs;
    private final JsonWebToken token;

    public NotificationResource(NotificationService notifications, NotificationConfigs configs, JsonWebToken token) {
        this.notifications = notifications;
        this.configs = configs;
        this.token = token;
    }

    @GET
    @RolesAllowed({Roles.ANALYST, Roles.ONCALL, Roles.AUDITOR, Roles.ADMIN})
    @Operation(summary = "List notifications", description = "Newest first, each with its findings and every delivery "
            + "attempt (time, status code, latency, error); keyset paging with 'next'.")
    @APIResponse(responseCode = "200", description = "A page of notifications")
    @APIResponse(responseCode = "400", description = "An unknown parameter or a value out of range")
    public Uni<ObjectNode> list(
            @Parameter(description = "PENDING, SENDING, DELIVERED or DEAD; repeat for several") @QueryParam("status") List<String> status,
            @Parameter(description = "receiver name") @QueryParam("receiver") String receiver,
            @Parameter(description = "finding id") @QueryParam("finding") String finding,
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
        String r = QueryParams.text("receiver", receiver, 64);
        if (r != null) {
            filter.put("receiver", r);
        }
        String f = QueryParams.text("finding", finding, 64);
        if (f != null) {
            try {
                filter.put("finding", java.util.UUID.fromString(f).toString());
            } catch (IllegalArgumentException e) {
                throw QueryParams.invalid("finding", "must be a finding id (UUID)");
            }
        }
        int limit = QueryParams.integer("limit", limitParam, 100, 1, 500);
        filter.put("limit", String.valueOf(limit));
        ApiJson.after(filter, cursor);
        return notifications.list(filter).map(rows -> {
            List<JsonNode> items = new ArrayList<>();
            for (JsonNode row : rows) {
                ObjectNode item = (ObjectNode) ApiJson.camel(row.path("notification"));
                item.set("findings", row.path("findings"));
                item.set("attempts", ApiJson.camel(row.path("attempts")));
                items.add(item);
            }
            details.rows(items.size());
            return ApiJson.page(items, limit, n -> ApiJson.cursor(n.path("createdAt").asText(), n.path("notificationId").asText()));
        });
    }

    @POST
    @Path("/{id}/retry")
    @RolesAllowed({Roles.ONCALL, Roles.ADMIN})
    @Operation(summary = "Send a notification again", description = "A DEAD (or waiting) notification is sent now, "
            + "with the same id and content, and gets the age limit again.")
    @APIResponse(responseCode = "202", description = "It will be sent within a second")
    @APIResponse(responseCode = "404", description = "No such notification")
    @APIResponse(responseCode = "409", description = "Delivered or being sent")
    public Uni<Response> retry(@Parameter(description = "notification id (UUID)") @PathParam("id") String id) {
        String notificationId = ApiJson.id(id, "notification");
        return notifications.retry(notificationId, token.getSubject())
                .replaceWith(() -> Response.accepted(NativeSql.json().createObjectNode()
                        .put("notificationId", notificationId).put("status", "PENDING")).build());
    }

    @GET
    @Path("/config")
    @RolesAllowed({Roles.AUDITOR, Roles.ADMIN})
    @Operation(summary = "The notification config in force", description = "Version, origin, who changed it and when, "
            + "receivers and routes. Secrets (webhook secrets, Slack URLs, PagerDuty routing keys) are never returned.")
    @APIResponse(responseCode = "200", description = "The config, without secrets")
    public JsonNode config() {
        NotificationConfigs.Active active = configs.current();
        ObjectNode out = NativeSql.json().createObjectNode();
        out.put("version", active.version());
        out.put("origin", active.origin());
        out.put("changedBy", active.changedBy());
        out.put("changedAt", active.changedAt().toString());
        out.put("sha256", active.config().sha256());
        ArrayNode receivers = out.putArray("receivers");
        for (Receiver r : active.config().receivers().values()) {
            ObjectNode v = receivers.addObject().put("name", r.name()).put("kind", r.kind());
            if (r instanceof Receiver.Webhook w) {
                v.put("url", w.url().toString()).put("secrets", w.secrets().size());
            } else if (r instanceof Receiver.Slack s) {
                v.put("host", s.url().getHost());
            } else if (r instanceof Receiver.PagerDuty p) {
                v.put("url", p.url().toString());
            } else if (r instanceof Receiver.Email e) {
                e.to().forEach(v.putArray("to")::add);
            }
        }
        if (active.config().route() != null) {
            out.set("route", route(active.config().route()));
        }
        out.put("findingUrl", active.config().findingUrl());
        return out;
    }

    @PUT
    @Path("/config")
    @Consumes({"application/yaml", "text/yaml", MediaType.TEXT_PLAIN})
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Replace the notification config", description = "A whole YAML document (docs/notifications.md), "
            + "validated before anything changes; stored as a new version and announced as a "
            + "controlwatch.notification-config.changed CloudEvent on the events topic. Every instance follows within seconds.")
    @APIResponse(responseCode = "200", description = "The new version")
    @APIResponse(responseCode = "400", description = "invalid-notification-config: path, line and reason in errors[0]")
    @APIResponse(responseCode = "413", description = "Larger than 256 KiB")
    public Uni<JsonNode> replace(String yaml) {
        if (yaml != null && yaml.length() > NotificationConfigLoader.MAX_DOCUMENT_CHARS) {
            throw new ProblemException(Problem.of(Response.Status.REQUEST_ENTITY_TOO_LARGE, "payload-too-large",
                    "Payload too large", "A notification config is at most 256 KiB."));
        }
        try {
            NotificationConfigLoader.parse(yaml, "api");
        } catch (NotificationConfigException e) {
            throw new ProblemException(Problem.of(Response.Status.BAD_REQUEST, "invalid-notification-config",
                    "Invalid notification config", e.getMessage())
                    .withErrors(List.of(new Problem.FieldError(null, e.path(), e.line() > 0 ? e.line() : null, e.reason()))));
        }
        return notifications.replaceConfig(yaml, token.getSubject()).invoke(configs::activate)
                .map(active -> NativeSql.json().createObjectNode().put("version", active.version())
                        .put("sha256", active.config().sha256()).put("changedBy", active.changedBy())
                        .put("receivers", active.config().receivers().size()));
    }

    private static ObjectNode route(Route route) {
        ObjectNode v = NativeSql.json().createObjectNode();
        v.put("path", route.path()).put("receiver", route.receiver());
        route.groupBy().forEach(v.putArray("groupBy")::add);
        v.put("groupWait", route.groupWait().toString()).put("groupInterval", route.groupInterval().toString())
                .put("repeatInterval", route.repeatInterval().toString()).put("continue", route.continueMatching())
                .put("escalation", route.escalation());
        ArrayNode children = v.putArray("routes");
        route.routes().forEach(r -> children.add(route(r)));
        return v;
    }
}
