package io.controlwatch.alerting.api;

import io.controlwatch.alerting.persistence.ExecutionEntity;
import io.controlwatch.alerting.persistence.NativeSql;
import io.controlwatch.common.api.Problem;
import io.controlwatch.common.api.ProblemException;
import io.controlwatch.common.api.QueryParams;
import io.controlwatch.common.api.Roles;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * {@code GET /api/v1/executions}: every stored execution — passes, failures and errors (the events that could not be
 * tested) — the whole population an auditor tests, with keyset pages.
 */
@Path("/api/v1/executions")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Evidence", description = "Stored control executions and their failures")
public class ExecutionResource {

    /** What the access log records of this read: the rows answered. */
    @jakarta.inject.Inject
    io.controlwatch.alerting.service.access.AccessDetails details;

    static final int MAX_LIMIT = 1000;
    static final Set<String> RESULTS = Set.of("PASS", "FAIL", "ERROR");
    /**
     * At most this many executions are listed by one event id: an event decides or is evidence of a few (each control
     * it matched, each window it was counted in), but ids are unique per source only, so a common one ("1") can repeat.
     */
    static final int MAX_EVENT_EXECUTIONS = 10_000;

    // The executions an event decided or is evidence of, each half by an index (V4's on event_id, V27's on the evidence
    // beyond the deciding event, whose predicate this repeats so that PostgreSQL may use it). As one OR in the page's
    // query it read every execution ever stored: no index serves a LIKE on the JSON text.
    static final String EXECUTIONS_OF_EVENT = """
            select coalesce(jsonb_agg(execution_id), '[]')::text from (
                select execution_id from control_execution where event_id = cast(?1 as text)
                union
                select execution_id from control_execution
                where evidence_event_ids <> '[]' and evidence_event_ids <> ('["' || event_id || '"]')
                  and cw_evidence_beyond(evidence_event_ids, event_id) @> jsonb_build_array(cast(?1 as text))
                limit cast(cast(?2 as text) as integer)) m
            """;

    /** An execution as the API shows it. */
    public record Execution(UUID executionId, String controlId, String controlVersion, List<String> criteria, String result,
                            String reason, String message, String subject, String eventId, String eventSource,
                            String eventType, Instant eventTime, Instant ingestTime, Instant evaluatedAt,
                            Instant recordedAt, String pack, String packVersion, List<String> evidenceEventIds,
                            boolean late, boolean backfilled, String submitter, UUID exemptionId) {

        static Execution of(ExecutionEntity e) {
            return new Execution(e.executionId, e.controlId, e.controlVersion, ApiJson.values(e.criteria),
                    e.result, e.reason, e.message, e.subject, e.eventId, e.eventSource, e.eventType, e.eventTime,
                    e.ingestTime, e.evaluatedAt, e.recordedAt, e.pack, e.packVersion,
                    ApiJson.evidenceIds(e.evidenceEventIds), e.late, e.backfilled, e.submitter, e.exemptionId);
        }
    }

    /**
     * One page, newest event first. {@code next} is the cursor of the following page, null on the last one; there is
     * no total (counting millions of rows for every page is too costly: narrow by control and period instead).
     */
    public record ExecutionPage(List<Execution> items, String next, boolean hasMore) {
    }

    @GET
    @RolesAllowed({Roles.ANALYST, Roles.ONCALL, Roles.AUDITOR, Roles.ADMIN})
    @WithSession
    @Operation(summary = "List executions: passes, failures and errors",
            description = "The population of control executions, newest event time first, in keyset pages: pass the "
                    + "'next' of a page as 'cursor' for the following one. ERROR executions are the events a control "
                    + "could not test (the reason says why). The period is by event time, [from, to).")
    @APIResponse(responseCode = "200", description = "One page of executions")
    @APIResponse(responseCode = "404", description = "The control named by 'control' does not exist")
    public Uni<ExecutionPage> list(@Parameter(description = "Control id, e.g. cc6.1-console-login-mfa")
                                   @QueryParam("control") String controlParam,
                                   @Parameter(description = "Who or what the execution is about")
                                   @QueryParam("subject") String subjectParam,
                                   @Parameter(description = "PASS, FAIL or ERROR")
                                   @QueryParam("result") String resultParam,
                                   @Parameter(description = "true: only executions recording an event that came after its "
                                           + "window or deadline was decided; false: only the others")
                                   @QueryParam("late") String lateParam,
                                   @Parameter(description = "Earliest event time, RFC 3339, included")
                                   @QueryParam("from") String fromParam,
                                   @Parameter(description = "Latest event time, RFC 3339, excluded")
                                   @QueryParam("to") String toParam,
                                   @Parameter(description = "An event id: the executions that event decided or is evidence of")
                                   @QueryParam("eventId") String eventIdParam,
                                   @Parameter(description = "Page size, 1-1000 (default 100)")
                                   @QueryParam("limit") String limitParam,
                                   @Parameter(description = "The 'next' of the previous page")
                                   @QueryParam("cursor") String cursorParam) {
        String control = QueryParams.text("control", controlParam, 80);
        String subject = QueryParams.text("subject", subjectParam, 256);
        String result = QueryParams.oneOf("result", resultParam, RESULTS);
        Boolean late = QueryParams.bool("late", lateParam);
        Instant from = QueryParams.instant("from", fromParam);
        Instant to = QueryParams.instant("to", toParam);
        QueryParams.period("from", from, "to", to);
        String eventId = QueryParams.text("eventId", eventIdParam, 256);
        int limit = QueryParams.integer("limit", limitParam, 100, 1, MAX_LIMIT);
        PageCursor cursor = PageCursor.decode("cursor", cursorParam);

        List<String> conditions = new ArrayList<>();
        Parameters parameters = new Parameters();
        if (control != null) {
            conditions.add("controlId = :control");
            parameters.and("control", control);
        }
        if (subject != null) {
            conditions.add("subject = :subject");
            parameters.and("subject", subject);
        }
        if (result != null) {
            conditions.add("result = :result");
            parameters.and("result", result);
        }
        if (late != null) {
            conditions.add("late = :late");
            parameters.and("late", late);
        }
        if (from != null) {
            conditions.add("eventTime >= :from");
            parameters.and("from", from);
        }
        if (to != null) {
            conditions.add("eventTime < :to");
            parameters.and("to", to);
        }
        if (cursor != null) {
            conditions.add("(eventTime < :cursorTime or (eventTime = :cursorTime and executionId < :cursorId))");
            parameters.and("cursorTime", cursor.eventTime()).and("cursorId", cursor.id());
        }
        Uni<Void> known = KnownControls.require(control);
        // the deciding event, or one of the events counted in a window or joined by a correlation: looked up first
        Uni<List<UUID>> ofEvent = eventId == null ? Uni.createFrom().nullItem() : executionsOf(eventId);
        return known.chain(() -> ofEvent).chain(eventExecutions -> {
                    if (eventExecutions != null && eventExecutions.isEmpty()) {
                        return Uni.createFrom().item(List.<ExecutionEntity>of());
                    }
                    if (eventExecutions != null) {
                        conditions.add("executionId in :eventExecutions");
                        parameters.and("eventExecutions", eventExecutions);
                    }
                    return ExecutionEntity.<ExecutionEntity>find(String.join(" and ", conditions),
                            Sort.descending("eventTime", "executionId"), parameters.map()).range(0, limit).list();
                })
                .map(rows -> {
                    boolean more = rows.size() > limit;
                    List<ExecutionEntity> page = more ? rows.subList(0, limit) : rows;
                    String next = more ? new PageCursor(page.get(page.size() - 1).eventTime, page.get(page.size() - 1).executionId).encode() : null;
                    details.rows(page.size());
                    return new ExecutionPage(page.stream().map(Execution::of).toList(), next, more);
                });
    }

    @GET
    @Path("/{executionId}")
    @RolesAllowed({Roles.ANALYST, Roles.ONCALL, Roles.AUDITOR, Roles.ADMIN})
    @WithSession
    @Operation(summary = "One execution with its evidence",
            description = "The execution, the control version and pack version that produced it, the events that "
                    + "decided it, who submitted them, and whether it records a late or backfilled event.")
    @APIResponse(responseCode = "200", description = "The execution")
    @APIResponse(responseCode = "404", description = "No execution has this id")
    public Uni<Execution> one(@Parameter(description = "The execution id (a UUID)") @PathParam("executionId") String id) {
        UUID executionId;
        try {
            executionId = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new ProblemException(Problem.of(Response.Status.BAD_REQUEST, "invalid-parameter", "Invalid path parameter",
                    "Path parameter 'executionId' must be a UUID.").withErrors(List.of(new Problem.FieldError(null,
                    "executionId", "must be a UUID"))));
        }
        return ExecutionEntity.<ExecutionEntity>findById(executionId).map(e -> {
            if (e == null) {
                throw notFound("execution", "No execution " + executionId + " is stored.");
            }
            details.rows(1);
            return Execution.of(e);
        });
    }

    static ProblemException notFound(String what, String detail) {
        return new ProblemException(Problem.of(Response.Status.NOT_FOUND, "unknown-" + what, "Unknown " + what, detail));
    }

    /** The executions the event decided or is evidence of; a 400 when there are more than can be listed by it. */
    private static Uni<List<UUID>> executionsOf(String eventId) {
        return NativeSql.query(EXECUTIONS_OF_EVENT, eventId, String.valueOf(MAX_EVENT_EXECUTIONS + 1)).map(json -> {
            if (json.size() > MAX_EVENT_EXECUTIONS) {
                throw new ProblemException(Problem.of(Response.Status.BAD_REQUEST, "event-too-common",
                        "Event id too common", "More than " + MAX_EVENT_EXECUTIONS + " executions were decided by or "
                                + "hold evidence of an event with this id (ids are unique per source only): list them by "
                                + "control and period instead.").withErrors(List.of(new Problem.FieldError(null,
                        "eventId", "matches more than " + MAX_EVENT_EXECUTIONS + " executions"))));
            }
            List<UUID> ids = new ArrayList<>(json.size());
            json.forEach(id -> ids.add(UUID.fromString(id.asText())));
            return ids;
        });
    }
}
