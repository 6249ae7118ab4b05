package io.controlwatch.alerting.api;

import io.controlwatch.alerting.config.ReportsConfig;
import io.controlwatch.alerting.service.access.AccessDetails;
import io.controlwatch.alerting.service.access.AccessLog;
import io.controlwatch.common.api.QueryParams;
import io.controlwatch.common.api.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.sql.SQLException;
import java.util.List;

/** {@code GET /api/v1/access-log}: who read the evidence, when, for which period, and how many rows they got. */
@Path("/api/v1/access-log")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Evidence integrity", description = "The tamper-evident evidence chain, its verification and keys")
public class AccessLogResource {

    static final int MAX_LIMIT = 1000;

    /** One page of accesses, newest first; {@code next} is the cursor of the following page (null on the last). */
    public record AccessPage(List<AccessLog.Access> items, String next, boolean hasMore) {
    }

    private final AccessLog log;
    private final AccessDetails details;
    private final ReportsConfig reports;

    public AccessLogResource(AccessLog log, AccessDetails details, ReportsConfig reports) {
        this.log = log;
        this.details = details;
        this.reports = reports;
    }

    @GET
    @RolesAllowed({Roles.AUDITOR, Roles.ADMIN})
    @Operation(summary = "Who read the evidence",
            description = "Every authenticated read of the API and every export request, newest first, in keyset "
                    + "pages: who (the token's subject) with which roles, the method, route and path, the query, the "
                    + "period asked for, the HTTP status answered and the rows answered (null where unknown). The "
                    + "period is by access time, [from, to), at most 400 days. Accesses are written within about a "
                    + "second; reading this log is itself recorded.")
    @APIResponse(responseCode = "200", description = "One page of accesses")
    @APIResponse(responseCode = "400", description = "A missing or invalid parameter, or a period too long")
    public AccessPage list(@Parameter(description = "Start of the period (access time), RFC 3339, included; required")
                           @QueryParam("from") String fromParam,
                           @Parameter(description = "End of the period (access time), RFC 3339, excluded; required")
                           @QueryParam("to") String toParam,
                           @Parameter(description = "Only the accesses of this principal (a token subject)")
                           @QueryParam("principal") String principalParam,
                           @Parameter(description = "Page size, 1-1000 (default 100)")
                           @QueryParam("limit") String limitParam,
                           @Parameter(description = "The 'next' of the previous page")
                           @QueryParam("cursor") String cursorParam) throws SQLException {
        ReportPeriod period = ReportPeriod.of(fromParam, toParam, reports.maxPeriodDays());
        String principal = QueryParams.text("principal", principalParam, 256);
        int limit = QueryParams.integer("limit", limitParam, 100, 1, MAX_LIMIT);
        PageCursor cursor = PageCursor.decode("cursor", cursorParam);
        List<AccessLog.Access> rows = log.page(period.from(), period.to(), principal,
                cursor == null ? null : cursor.eventTime(), cursor == null ? null : cursor.id(), limit + 1);
        boolean more = rows.size() > limit;
        List<AccessLog.Access> page = more ? rows.subList(0, limit) : rows;
        AccessLog.Access last = page.isEmpty() ? null : page.get(page.size() - 1);
        details.rows(page.size());
        return new AccessPage(List.copyOf(page), more ? new PageCursor(last.at(), last.accessId()).encode() : null,
                more);
    }
}
