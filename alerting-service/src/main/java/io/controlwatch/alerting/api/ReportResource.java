package io.controlwatch.alerting.api;

import io.controlwatch.alerting.config.ReportsConfig;
import io.controlwatch.alerting.service.reports.OperatingEffectiveness;
import io.controlwatch.alerting.service.reports.OperatingEffectiveness.ControlReport;
import io.controlwatch.alerting.service.reports.OperatingEffectiveness.CriterionReport;
import io.controlwatch.alerting.service.reports.ReportService;
import io.controlwatch.common.api.QueryParams;
import io.controlwatch.common.api.Roles;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * {@code GET /api/v1/reports/operating-effectiveness}: how every control operated in a period, what an auditor's
 * Type II workpaper starts from. JSON by default; the per-control table as CSV for spreadsheets.
 */
@Path("/api/v1/reports")
@Tag(name = "Reports", description = "Operating effectiveness of the controls over an audit period, and samples")
public class ReportResource {

    /** What the access log records of this read: the rows answered. */
    @jakarta.inject.Inject
    io.controlwatch.alerting.service.access.AccessDetails details;

    static final String TEXT_CSV = "text/csv";

    private final ReportService reports;
    private final ReportsConfig config;

    public ReportResource(ReportService reports, ReportsConfig config) {
        this.reports = reports;
        this.config = config;
    }

    @GET
    @Path("/operating-effectiveness")
    @Produces({MediaType.APPLICATION_JSON, TEXT_CSV})
    @RolesAllowed({Roles.ANALYST, Roles.ONCALL, Roles.AUDITOR, Roles.ADMIN})
    @WithSession
    @Operation(summary = "Operating-effectiveness report of a period",
            description = "For the period [from, to) by event time, per control: catalog data, the control versions "
                    + "that ran with their first and last execution, the population and its passes, failures, errors, "
                    + "late, backfilled and exempted executions, the exception rate failures / (passes + failures), "
                    + "findings opened, resolved and open at the period's end, time to remediate, SLA breaches, "
                    + "exemptions in force, and coverage: the UTC days with and without any execution. Plus a "
                    + "roll-up per TSC criterion, which also lists the criteria the pack in force at the period's end "
                    + "marks manual, with the pack's reason, as manual and never as passing (not when narrowed to "
                    + "one control). 'Accept: text/csv' gives the per-control table as CSV, followed by a row per "
                    + "manual criterion (status 'manual', the reason as description).")
    @APIResponse(responseCode = "200", description = "The report",
            content = {@Content(mediaType = MediaType.APPLICATION_JSON,
                                schema = @Schema(implementation = OperatingEffectiveness.class)),
                       @Content(mediaType = TEXT_CSV, schema = @Schema(type = SchemaType.STRING))})
    @APIResponse(responseCode = "400", description = "A missing, unknown or invalid parameter, or a period that is "
            + "empty or longer than the maximum (400 days by default)")
    @APIResponse(responseCode = "404", description = "The control named by 'control' does not exist")
    public Uni<Response> operatingEffectiveness(
            @Parameter(description = "Start of the period (event time), RFC 3339, included; required")
            @QueryParam("from") String fromParam,
            @Parameter(description = "End of the period (event time), RFC 3339, excluded; required")
            @QueryParam("to") String toParam,
            @Parameter(description = "Only the controls supporting this TSC criterion, e.g. CC6.1")
            @QueryParam("criterion") String criterionParam,
            @Parameter(description = "Only this control, e.g. cc6.1-console-login-mfa")
            @QueryParam("control") String controlParam,
            @Parameter(description = "true: each control's passes, failures and errors per UTC day with executions "
                    + "('daily', JSON only)")
            @QueryParam("daily") String dailyParam,
            @Context HttpHeaders headers) {
        ReportPeriod period = ReportPeriod.of(fromParam, toParam, config.maxPeriodDays());
        String criterion = QueryParams.text("criterion", criterionParam, 32);
        String control = QueryParams.text("control", controlParam, 80);
        boolean daily = Boolean.TRUE.equals(QueryParams.bool("daily", dailyParam));
        boolean csv = wantsCsv(headers.getAcceptableMediaTypes());
        Uni<Void> known = KnownControls.require(control);
        return known.chain(() -> reports.report(period.from(), period.to(), control, criterion, daily && !csv))
                .invoke(report -> details.rows(report.controls().size()))
                .map(report -> csv
                        ? Response.ok(csv(report), TEXT_CSV + ";charset=UTF-8").build()
                        : Response.ok(report, MediaType.APPLICATION_JSON).build());
    }

    /** CSV only when the client prefers it to JSON; a browser's or curl's wildcard gets JSON. */
    static boolean wantsCsv(List<MediaType> acceptable) {
        for (MediaType type : acceptable) {
            if (type.isCompatible(MediaType.APPLICATION_JSON_TYPE) && !type.isWildcardType()) {
                return false;
            }
            if ("text".equals(type.getType()) && "csv".equals(type.getSubtype())) {
                return true;
            }
            if (type.isWildcardType()) {
                return false;
            }
        }
        return false;
    }

    static final List<String> CSV_COLUMNS = List.of("control_id", "title", "description", "criteria", "owner",
            "severity", "status", "versions", "population", "passes", "failures", "errors", "late", "backfilled",
            "exempted", "exception_rate", "findings_opened", "findings_resolved", "findings_open_at_end",
            "remediation_median_seconds", "remediation_p90_seconds", "remediation_max_seconds", "sla_breaches",
            "exemptions", "days_with_executions", "days_without_executions", "period_from", "period_to");

    /**
     * One row per control, then one per manual criterion (status {@code manual}), RFC 4180; lists are joined with ';',
     * a version as version@first/last.
     */
    public static String csv(OperatingEffectiveness report) {
        StringBuilder out = new StringBuilder(String.join(",", CSV_COLUMNS)).append("\r\n");
        for (ControlReport c : report.controls()) {
            List<Object> cells = List.of(c.controlId(), text(c.title()), text(c.description()),
                    String.join(";", c.criteria()), text(c.owner()), text(c.severity()), c.status(),
                    c.versions().stream().map(v -> v.version() + "@" + v.firstExecutionAt() + "/" + v.lastExecutionAt())
                            .collect(Collectors.joining(";")),
                    c.population(), c.passes(), c.failures(), c.errors(), c.late(), c.backfilled(), c.exempted(),
                    text(c.exceptionRate()), c.findingsOpened(), c.findingsResolved(), c.findingsOpenAtEnd(),
                    text(c.remediation().medianSeconds()), text(c.remediation().p90Seconds()),
                    text(c.remediation().maxSeconds()), c.slaBreaches(),
                    c.exemptions().stream().map(Objects::toString).collect(Collectors.joining(";")),
                    c.daysWithExecutions(), String.join(";", c.daysWithoutExecutions()), report.from(), report.to());
            out.append(cells.stream().map(cell -> cell(Objects.toString(cell))).collect(Collectors.joining(",")))
                    .append("\r\n");
        }
        // then each criterion the pack marks manual: status 'manual', its reason as description, every figure empty
        // (nothing was tested, so nothing passed)
        for (CriterionReport c : report.criteria()) {
            if (c.manual()) {
                List<String> cells = new ArrayList<>(List.of("", "", c.manualReason() == null ? "" : c.manualReason(),
                        c.criterion(), "", "", "manual", ""));
                cells.addAll(Collections.nCopies(CSV_COLUMNS.size() - cells.size() - 2, ""));
                cells.add(report.from().toString());
                cells.add(report.to().toString());
                out.append(cells.stream().map(ReportResource::cell).collect(Collectors.joining(","))).append("\r\n");
            }
        }
        return out.toString();
    }

    private static String text(Object value) {
        return value == null ? "" : value.toString();
    }

    /**
     * Quotes a cell when RFC 4180 needs it, and defuses text a spreadsheet would run as a formula (a control's title
     * or description is pack text an auditor opens in Excel).
     */
    public static String cell(String value) {
        String v = !value.isEmpty() && "=+-@\t\r".indexOf(value.charAt(0)) >= 0 ? "'" + value : value;
        return v.contains(",") || v.contains("\"") || v.contains("\n") || v.contains("\r")
                ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
    }
}
