package io.controlwatch.alerting.api;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import io.controlwatch.alerting.persistence.ControlEntity;
import io.controlwatch.common.api.Roles;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/** {@code GET /api/v1/controls}: every known control with its criteria and how often it passed and failed. */
@Path("/api/v1/controls")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Controls", description = "The controls ControlWatch knows and how often they ran")
public class ControlResource {

    /** A control as the API shows it. */
    public record ControlSummary(String controlId, String title, String description, List<String> criteria,
                                 String severity, String owner, String version, String pack, String packVersion,
                                 long executions, long passes, long failures, long errors, Instant lastExecutedAt) {

        static ControlSummary of(ControlEntity c) {
            return new ControlSummary(c.controlId, c.title, c.description, Arrays.asList(c.criteria.split(",")),
                    c.severity, c.owner, c.version, c.pack, c.packVersion, c.executions, c.passes, c.failures,
                    c.errors, c.lastExecutedAt);
        }
    }

    @GET
    @RolesAllowed({Roles.ANALYST, Roles.ONCALL, Roles.AUDITOR, Roles.ADMIN})
    @WithSession
    @Operation(summary = "List the controls with their execution counts",
            description = "Every control of the running pack's catalog and every control that ever produced an "
                    + "execution, with its criteria, severity, owner, version and the number of stored executions, "
                    + "passes, failures and errors (kept in the transaction that stores the executions).")
    @APIResponse(responseCode = "200", description = "All controls, by id")
    public Uni<List<ControlSummary>> list() {
        return ControlEntity.<ControlEntity>listAll(Sort.ascending("controlId"))
                .map(controls -> controls.stream().map(ControlSummary::of).toList());
    }
}
