package io.controlwatch.alerting.api;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import com.fasterxml.jackson.databind.JsonNode;
import io.controlwatch.alerting.persistence.ControlEntity;
import io.controlwatch.alerting.persistence.NativeSql;
import io.controlwatch.common.api.QueryParams;
import io.controlwatch.common.api.Roles;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/** {@code GET /api/v1/controls}: every known control with its criteria and how often it passed and failed. */
@Path("/api/v1/controls")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Controls", description = "The controls ControlWatch knows and how often they ran")
public class ControlResource {

    /** What the access log records of this read: the rows answered. */
    @jakarta.inject.Inject
    io.controlwatch.alerting.service.access.AccessDetails details;

    static final String ACTIVE = "active";
    static final String RETIRED = "retired";
    static final String UNKNOWN = "unknown";
    private static final Set<String> STATUSES = Set.of(ACTIVE, RETIRED);

    private static final String ACTIVE_PACK = """
            select jsonb_build_object('pack', pack, 'packVersion', pack_version, 'activatedAt', activated_at,
                                      'activatedBy', activated_by)::text
            from active_pack
            """;

    /**
     * A control as the API shows it.
     *
     * @param status      {@code active} when the running pack has it, {@code retired} when it does not any more,
     *                    {@code unknown} until the evaluation service's registry has said which pack runs
     * @param packVersion the version of the pack that last had the control (for a retired control: its last one)
     */
    public record ControlSummary(String controlId, String title, String description, List<String> criteria,
                                 String severity, String owner, String version, String status, String pack,
                                 String packVersion, long executions, long passes, long failures, long errors,
                                 Instant lastExecutedAt) {

        static ControlSummary of(ControlEntity c, JsonNode activePack) {
            String status = activePack.isNull() ? UNKNOWN
                    : activePack.path("packVersion").asText().equals(c.packVersion) ? ACTIVE : RETIRED;
            return new ControlSummary(c.controlId, c.title, c.description, List.of(c.criteria),
                    c.severity, c.owner, c.version, status, c.pack, c.packVersion, c.executions, c.passes,
                    c.failures, c.errors, c.lastExecutedAt);
        }
    }

    @GET
    @RolesAllowed({Roles.ANALYST, Roles.ONCALL, Roles.AUDITOR, Roles.ADMIN})
    @WithSession
    @Operation(summary = "List the controls with their execution counts",
            description = "Every control of the running pack's catalog and every control that ever produced an "
                    + "execution, with its criteria, severity, owner, version, whether the running pack has it "
                    + "(`status`: active, retired, or unknown until the evaluation service has recorded its pack), "
                    + "the pack version that last had it, and the number of stored executions, passes, failures "
                    + "and errors (kept in the transaction that stores the executions). Not paged: a catalog holds "
                    + "at most a few hundred controls.")
    @APIResponse(responseCode = "200", description = "The controls, by id")
    @APIResponse(responseCode = "400", description = "An unknown parameter or status")
    public Uni<List<ControlSummary>> list(
            @Parameter(description = "Only the controls in this state: `active` (in the running pack) or "
                    + "`retired` (in an earlier pack only)")
            @QueryParam("status") String statusParam) {
        String status = QueryParams.oneOf("status", statusParam, STATUSES);
        return ControlEntity.<ControlEntity>listAll(Sort.ascending("controlId"))
                .chain(controls -> NativeSql.query(ACTIVE_PACK).map(active -> controls.stream()
                        .map(c -> ControlSummary.of(c, active))
                        .filter(c -> status == null || status.equals(c.status()))
                        .toList()))
                .invoke(list -> details.rows(list.size()));
    }
}
