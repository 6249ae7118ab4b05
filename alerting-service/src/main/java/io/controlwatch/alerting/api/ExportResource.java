package io.controlwatch.alerting.api;

import io.controlwatch.alerting.config.ExportsConfig;
import io.controlwatch.alerting.config.ReportsConfig;
import io.controlwatch.alerting.service.exports.ExportService;
import io.controlwatch.alerting.service.exports.ExportStatus;
import io.controlwatch.common.api.Problem;
import io.controlwatch.common.api.ProblemException;
import io.controlwatch.common.api.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.net.URI;
import java.nio.file.Files;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.UUID;

/**
 * Evidence export bundles of a period (docs/auditors.md, "Pulling a period"): requested, watched while they run in
 * the background, downloaded as a signed ZIP that the offline verifier checks.
 */
@Path("/api/v1/exports")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Evidence integrity", description = "The tamper-evident evidence chain, its verification and keys")
public class ExportResource {

    /** What the access log records of this read: the rows answered. */
    @jakarta.inject.Inject
    io.controlwatch.alerting.service.access.AccessDetails details;

    private static final String SLUG = "invalid-export";
    private static final String TITLE = "Invalid export request";
    static final String ZIP = "application/zip";

    /**
     * An export request.
     *
     * @param from     start of the period (event time), RFC 3339, included; required
     * @param to       end of the period (event time), RFC 3339, excluded; required
     * @param controls only these controls (ids); with criteria, their union
     * @param criteria only the controls supporting these TSC criteria, e.g. CC6.1
     */
    public record Request(String from, String to, List<String> controls, List<String> criteria) {
    }

    private final ExportService exports;
    private final ReportsConfig reports;
    private final ExportsConfig config;
    private final JsonWebToken token;

    public ExportResource(ExportService exports, ReportsConfig reports, ExportsConfig config, JsonWebToken token) {
        this.exports = exports;
        this.reports = reports;
        this.config = config;
        this.token = token;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.AUDITOR, Roles.ADMIN})
    @Operation(summary = "Export the evidence of a period",
            description = "Starts writing the evidence bundle of [from, to) by event time in the background and "
                    + "answers 202 with its Location: the population (executions.jsonl and .csv) with the chain "
                    + "links and signed checkpoints that prove it complete and unaltered, failures, findings and "
                    + "exemptions with their history, the controls, the operating-effectiveness report, the OSCAL "
                    + "Assessment Results, and a manifest of every file's SHA-256 signed with Ed25519. Optionally "
                    + "only some controls, or those supporting some criteria. Periods are at most 400 days.")
    @APIResponse(responseCode = "202", description = "Accepted; Location names the export to watch")
    @APIResponse(responseCode = "400", description = "A field missing, malformed or out of bounds (problem+json naming "
            + "it), a period that is empty or too long, or criteria no control supports")
    @APIResponse(responseCode = "404", description = "A control named in 'controls' does not exist")
    @APIResponse(responseCode = "409", description = "The service has no evidence signing key, so it writes no bundle; or "
            + "PostgreSQL holds fewer checkpoints than cw.evidence-checkpoints.v1 (evidence-behind-checkpoint-topic): "
            + "evidence was removed from the database, and GET /api/v1/evidence/verify lists it")
    @APIResponse(responseCode = "429", description = "Too many exports queued or running on this instance")
    public Response request(Request body) throws SQLException {
        if (body == null) {
            throw ApiJson.body("from", "is required (a JSON body: from, to, controls, criteria)", SLUG, TITLE);
        }
        String fromText = ApiJson.text("from", body.from(), 64, true, SLUG, TITLE);
        String toText = ApiJson.text("to", body.to(), 64, true, SLUG, TITLE);
        ReportPeriod period;
        try {
            period = ReportPeriod.of(fromText, toText, reports.maxPeriodDays());
        } catch (ProblemException e) {
            throw new ProblemException(Problem.of(Response.Status.BAD_REQUEST, SLUG, TITLE, e.problem().detail()));
        }
        List<String> controls = list("controls", body.controls(), 80);
        List<String> criteria = list("criteria", body.criteria(), 32);
        String requestedBy = token.getSubject() == null ? "unknown" : token.getSubject();
        details.period(period.from(), period.to());
        UUID id = exports.request(period.from(), period.to(), controls, criteria, requestedBy);
        return Response.accepted(exports.status(id).orElseThrow()).location(URI.create("/api/v1/exports/" + id))
                .build();
    }

    private List<String> list(String field, List<String> values, int max) {
        if (values == null) {
            return List.of();
        }
        if (values.size() > config.maxScope()) {
            throw ApiJson.body(field, "must hold at most " + config.maxScope() + " entries", SLUG, TITLE);
        }
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (String v : values) {
            out.add(ApiJson.text(field, v, max, true, SLUG, TITLE));
        }
        return new ArrayList<>(out);
    }

    @GET
    @Path("/{id}")
    @RolesAllowed({Roles.AUDITOR, Roles.ADMIN})
    @Operation(summary = "Watch an export",
            description = "Its state (QUEUED, WAITING for the signed checkpoint that closes its period, RUNNING, "
                    + "DONE, FAILED, EXPIRED once its bundle is deleted after the retention), the executions of the "
                    + "population it has "
                    + "written of the total and the percent, and once DONE the bundle's link, size and SHA-256; once "
                    + "FAILED, why. An export whose instance stopped before it finished is marked FAILED, never left "
                    + "RUNNING: request it again.")
    @APIResponse(responseCode = "200", description = "The export")
    @APIResponse(responseCode = "404", description = "No such export")
    public ExportStatus status(@Parameter(description = "export id (UUID)") @PathParam("id") String id)
            throws SQLException {
        ExportStatus status = find(id);
        details.period(status.from(), status.to());
        return status;
    }

    @GET
    @Path("/{id}/bundle")
    @Produces({ZIP, MediaType.APPLICATION_JSON})
    @RolesAllowed({Roles.AUDITOR, Roles.ADMIN})
    @Operation(summary = "Download an export's bundle",
            description = "The signed ZIP of a DONE export, streamed. Verify it offline with evidence-verifier.jar "
                    + "and the key of GET /api/v1/evidence/public-key (docs/auditors.md).")
    @APIResponse(responseCode = "200", description = "The bundle",
            content = @Content(mediaType = ZIP, schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "404", description = "No such export, or its bundle is not on this instance's disk")
    @APIResponse(responseCode = "409", description = "The export is not DONE (still running, or failed)")
    @APIResponse(responseCode = "410", description = "The export is EXPIRED: its bundle was deleted after the "
            + "retention period (CW_EXPORTS_RETENTION, 7 days by default)")
    public Response bundle(@Parameter(description = "export id (UUID)") @PathParam("id") String id)
            throws SQLException {
        ExportStatus status = find(id);
        details.period(status.from(), status.to());
        if ("EXPIRED".equals(status.state())) {
            throw new ProblemException(Problem.of(Response.Status.GONE, "export-expired", "Export expired",
                    "The bundle of export " + status.exportId() + " was deleted at " + status.expiredAt() + ", "
                            + "after the retention period (CW_EXPORTS_RETENTION); request the export again."));
        }
        if (!"DONE".equals(status.state())) {
            throw new ProblemException(Problem.of(Response.Status.CONFLICT, "export-not-done", "Export not done",
                    "Export " + status.exportId() + " is " + status.state() + (status.error() == null ? ""
                            : ": " + status.error()) + "."));
        }
        java.nio.file.Path file = exports.bundleFile(status).orElseThrow(() -> new ProblemException(Problem.of(
                Response.Status.NOT_FOUND, "not-found", "Not found", "The bundle of export " + status.exportId()
                        + " is not on this instance's disk (removed, or written by another instance).")));
        details.rows(status.rowsWritten());
        String name = "controlwatch-evidence-" + stamp(status.from()) + "-" + stamp(status.to()) + ".zip";
        return Response.ok(file.toFile(), ZIP).header("Content-Disposition", "attachment; filename=\"" + name + "\"")
                .header("Content-Length", sizeOf(file)).build();
    }

    private static long sizeOf(java.nio.file.Path file) {
        try {
            return Files.size(file);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String stamp(Instant t) {
        return t.toString().replace(":", "");
    }

    private ExportStatus find(String id) throws SQLException {
        UUID exportId = UUID.fromString(ApiJson.id(id, "export"));
        return exports.status(exportId).orElseThrow(() -> new ProblemException(Problem.of(Response.Status.NOT_FOUND,
                "not-found", "Not found", "There is no export '" + exportId + "'.")));
    }
}
