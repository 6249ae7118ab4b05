package io.controlwatch.alerting.api;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import io.controlwatch.alerting.persistence.FailureEntity;
import io.controlwatch.common.api.QueryParams;
import io.controlwatch.common.api.Roles;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** {@code GET /api/v1/failures}: failed control executions, newest event first. */
@Path("/api/v1/failures")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Evidence", description = "Stored control executions and their failures")
public class FailureResource {

    /** What the access log records of this read: the rows answered. */
    @jakarta.inject.Inject
    io.controlwatch.alerting.service.access.AccessDetails details;

    static final int MAX_LIMIT = 1000;

    /** A failure as the API shows it. */
    public record Failure(UUID executionId, String controlId, String controlVersion, String controlTitle,
                          List<String> criteria, String severity, String subject, String reason, String eventId,
                          String eventSource, String eventType, Instant eventTime, Instant detectedAt,
                          Instant recordedAt, String status, List<String> evidenceEventIds, String submitter,
                          boolean backfilled, String message, String summary, UUID exemptionId) {

        static Failure of(FailureEntity f) {
            return new Failure(f.executionId, f.controlId, f.controlVersion, f.controlTitle,
                    ApiJson.values(f.criteria), f.severity, f.subject, f.reason, f.eventId, f.eventSource,
                    f.eventType, f.eventTime, f.detectedAt, f.recordedAt, f.status, ApiJson.evidenceIds(f.evidenceEventIds),
                    f.submitter, f.backfilled, f.message, f.message != null ? f.message : f.reason, f.exemptionId);
        }
    }

    /**
     * One page of failures, newest event first. {@code next} is the cursor of the following page (null on the last);
     * no total: narrow by control, subject and period instead.
     */
    public record FailurePage(List<Failure> items, String next, boolean hasMore) {
    }

    @GET
    @RolesAllowed({Roles.ANALYST, Roles.ONCALL, Roles.AUDITOR, Roles.ADMIN})
    @WithSession
    @Operation(summary = "List failed control executions",
            description = "Every stored failure (an execution whose result is FAIL), newest event time first, with the "
                    + "control, criteria, subject, reason, the events that decided it and who submitted them. Filters "
                    + "combine with AND; the period is by event time, [from, to).")
    @APIResponse(responseCode = "200", description = "One page of failures")
    public Uni<FailurePage> list(@Parameter(description = "Control id, e.g. cc6.1-console-login-mfa")
                                 @QueryParam("control") String controlParam,
                                 @Parameter(description = "Who or what the failure is about, e.g. alice@example.com")
                                 @QueryParam("subject") String subjectParam,
                                 @Parameter(description = "Earliest event time, RFC 3339, included")
                                 @QueryParam("from") String fromParam,
                                 @Parameter(description = "Latest event time, RFC 3339, excluded")
                                 @QueryParam("to") String toParam,
                                 @Parameter(description = "Page size, 1-1000 (default 100)")
                                 @QueryParam("limit") String limitParam,
                                 @Parameter(description = "The 'next' of the previous page")
                                 @QueryParam("cursor") String cursorParam) {
        String control = QueryParams.text("control", controlParam, 80);
        String subject = QueryParams.text("subject", subjectParam, 256);
        Instant from = QueryParams.instant("from", fromParam);
        Instant to = QueryParams.instant("to", toParam);
        QueryParams.period("from", from, "to", to);
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
        String query = String.join(" and ", conditions);
        Sort newestFirst = Sort.descending("eventTime", "executionId");
        Uni<Void> known = KnownControls.require(control);
        return known.chain(() -> FailureEntity.<FailureEntity>find(query, newestFirst, parameters.map()).range(0, limit).list())
                .map(rows -> {
                    boolean more = rows.size() > limit;
                    List<FailureEntity> page = more ? rows.subList(0, limit) : rows;
                    String next = more ? new PageCursor(page.get(page.size() - 1).eventTime, page.get(page.size() - 1).executionId).encode() : null;
                    details.rows(page.size());
                    return new FailurePage(page.stream().map(Failure::of).toList(), next, more);
                });
    }
}
