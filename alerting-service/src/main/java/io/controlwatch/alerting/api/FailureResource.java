package io.controlwatch.alerting.api;

import io.controlwatch.alerting.persistence.FailureEntity;
import io.controlwatch.common.api.Problem;
import io.controlwatch.common.api.ProblemException;
import io.controlwatch.common.api.Roles;
import io.controlwatch.model.ModelJson;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
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
                          Instant recordedAt, String status, List<String> evidenceEventIds) {

        static Failure of(FailureEntity f) {
            return new Failure(f.executionId, f.controlId, f.controlVersion, f.controlTitle,
                    Arrays.asList(f.criteria.split(",")), f.severity, f.subject, f.reason, f.eventId, f.eventSource,
                    f.eventType, f.eventTime, f.detectedAt, f.recordedAt, f.status, parseIds(f.evidenceEventIds));
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
    @RolesAllowed({Roles.ANALYST, Roles.AUDITOR, Roles.ADMIN})
    @WithSession
    public Uni<FailurePage> list(@QueryParam("control") String control,
                                 @QueryParam("subject") String subject,
                                 @QueryParam("from") String from,
                                 @QueryParam("to") String to,
                                 @QueryParam("limit") @DefaultValue("100") int limit,
                                 @QueryParam("offset") @DefaultValue("0") int offset) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw invalidParameter("limit", "must be between 1 and " + MAX_LIMIT);
        }
        if (offset < 0) {
            throw invalidParameter("offset", "must not be negative");
        }
        List<String> conditions = new ArrayList<>();
        Parameters parameters = new Parameters();
        if (control != null && !control.isBlank()) {
            conditions.add("controlId = :control");
            parameters.and("control", control);
        }
        if (subject != null && !subject.isBlank()) {
            conditions.add("subject = :subject");
            parameters.and("subject", subject);
        }
        Instant fromTime = instant("from", from);
        Instant toTime = instant("to", to);
        if (fromTime != null) {
            conditions.add("eventTime >= :from");
            parameters.and("from", fromTime);
        }
        if (toTime != null) {
            conditions.add("eventTime < :to");
            parameters.and("to", toTime);
        }
        String query = conditions.isEmpty() ? "" : String.join(" and ", conditions);
        Sort newestFirst = Sort.descending("eventTime", "detectedAt", "executionId");
        return FailureEntity.<FailureEntity>find(query, newestFirst, parameters.map())
                .range(offset, offset + limit - 1).list()
                .map(failures -> new FailurePage(failures.stream().map(Failure::of).toList(), offset, limit));
    }

    /** Accepts RFC 3339 timestamps (e.g. 2026-11-28T09:00:00Z or with an offset). */
    private static Instant instant(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value.trim()).toInstant();
        } catch (DateTimeParseException e) {
            throw invalidParameter(name, "must be an RFC 3339 timestamp, e.g. 2026-11-28T09:00:00Z");
        }
    }

    private static ProblemException invalidParameter(String name, String message) {
        return new ProblemException(Problem.of(Response.Status.BAD_REQUEST, "invalid-parameter", "Invalid query parameter",
                "Query parameter '" + name + "' " + message + ".")
                .withErrors(List.of(new Problem.FieldError(null, name, message))));
    }

}
