package io.controlwatch.alerting.api;

import io.controlwatch.alerting.persistence.FailureEntity;
import io.controlwatch.common.api.QueryParams;
import io.controlwatch.common.api.Roles;
import io.controlwatch.model.ModelJson;
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
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/** {@code GET /api/v1/failures}: failed control executions, newest event first. */
@Path("/api/v1/failures")
@Produces(MediaType.APPLICATION_JSON)
public class FailureResource {

    static final int MAX_LIMIT = 1000;

    /** A failure as the API shows it. */
    public record Failure(UUID executionId, String controlId, String controlVersion, String controlTitle,
                          List<String> criteria, String severity, String subject, String reason, String eventId,
                          String eventSource, String eventType, Instant eventTime, Instant detectedAt,
                          Instant recordedAt, String status, List<String> evidenceEventIds, String submitter,
                          boolean backfilled, String message, String summary, UUID exemptionId) {

        static Failure of(FailureEntity f) {
            return new Failure(f.executionId, f.controlId, f.controlVersion, f.controlTitle,
                    Arrays.asList(f.criteria.split(",")), f.severity, f.subject, f.reason, f.eventId, f.eventSource,
                    f.eventType, f.eventTime, f.detectedAt, f.recordedAt, f.status, parseIds(f.evidenceEventIds),
                    f.submitter, f.backfilled, f.message, f.message != null ? f.message : f.reason, f.exemptionId);
        }

        private static List<String> parseIds(String json) {
            try {
                return json == null ? List.of() : List.of(ModelJson.mapper().readValue(json, String[].class));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                return List.of();
            }
        }
    }

    /** One page of failures. Ask for the next one with {@code offset = offset + items.size()}. */
    public record FailurePage(List<Failure> items, int offset, int limit) {
    }

    @GET
    @RolesAllowed({Roles.ANALYST, Roles.ONCALL, Roles.AUDITOR, Roles.ADMIN})
    @WithSession
    public Uni<FailurePage> list(@QueryParam("control") String controlParam,
                                 @QueryParam("subject") String subjectParam,
                                 @QueryParam("from") String fromParam,
                                 @QueryParam("to") String toParam,
                                 @QueryParam("limit") String limitParam,
                                 @QueryParam("offset") String offsetParam) {
        String control = QueryParams.text("control", controlParam, 80);
        String subject = QueryParams.text("subject", subjectParam, 256);
        Instant from = QueryParams.instant("from", fromParam);
        Instant to = QueryParams.instant("to", toParam);
        QueryParams.period("from", from, "to", to);
        int limit = QueryParams.integer("limit", limitParam, 100, 1, MAX_LIMIT);
        int offset = QueryParams.integer("offset", offsetParam, 0, 0, 1_000_000);
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
        String query = String.join(" and ", conditions);
        Sort newestFirst = Sort.descending("eventTime", "detectedAt", "executionId");
        return FailureEntity.<FailureEntity>find(query, newestFirst, parameters.map())
                .range(offset, offset + limit - 1).list()
                .map(failures -> new FailurePage(failures.stream().map(Failure::of).toList(), offset, limit));
    }
}
