package io.controlwatch.evaluation.api;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import io.controlwatch.common.api.Problem;
import io.controlwatch.common.api.ProblemException;
import io.controlwatch.common.api.Roles;
import io.controlwatch.engine.ControlPack;
import io.controlwatch.engine.ControlPackException;
import io.controlwatch.engine.internal.Durations;
import io.controlwatch.evaluation.service.PackRegistry;
import io.controlwatch.model.PackVersion;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.Context;

import java.time.Instant;
import java.util.List;

/**
 * Admin API of control packs: what runs, every version ever used, and activating a new version on every
 * evaluation instance without a restart. A pack that does not validate is refused with file, control, line and
 * reason, and the running version stays.
 */
@Path("/api/v1/packs")
@RolesAllowed(Roles.ADMIN)
@Tag(name = "Control packs", description = "Which controls run, every version ever used, and activating a new one")
public class PackResource {

    /** A control of a pack, as the admin API shows it. */
    public record ControlView(String id, String version, String title, String kind, List<String> criteria,
                              String severity, String maturity, List<String> eventTypes) {
    }

    /** The active pack. */
    public record ActivePackView(String name, String version, String origin, String activatedBy, Instant activatedAt,
                                 List<ControlView> controls, List<ControlPack.ManualCriteria> manual,
                                 List<GraceWarningView> warnings) {
    }

    /**
     * A control whose grace is shorter than the delay a source feeding it showed in the last hour (as seen by the
     * partitions of rule state this instance runs): that source's events risk being recorded late.
     */
    public record GraceWarningView(String control, String grace, String source, String delay, String message) {
    }

    /** One version in the history. */
    public record VersionView(String name, String version, String origin, String activatedBy, Instant activatedAt,
                              String previousVersion) {
    }

    /** The result of an activation. */
    public record ActivationView(String name, String version, String previousVersion, List<String> added,
                                 List<String> removed, List<String> changed) {
    }

    private final PackRegistry registry;

    private final java.time.Clock clock;

    public PackResource(PackRegistry registry, java.time.Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    @GET
    @Path("/active")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The pack every evaluation instance runs",
            description = "Name, version (content hash), who activated it and when, its controls (id, version, kind, "
                    + "criteria, severity, maturity, event types), the criteria it leaves to people, and warnings: "
                    + "controls whose grace is shorter than the delay a source feeding them showed in the last hour "
                    + "(per evaluation instance, from the partitions of rule state it runs).")
    @APIResponse(responseCode = "200", description = "The active pack")
    public ActivePackView active() {
        ControlPack pack = registry.activePack().get().pack();
        PackVersion v = registry.current();
        List<ControlView> controls = pack.controls().stream().map(c -> new ControlView(c.id(), c.version(), c.title(),
                c.rule().kind(), c.criteria(), c.severity().json(), c.maturity(), c.appliesTo())).toList();
        List<GraceWarningView> warnings = registry.activePack().get().runtime().graceWarnings(clock.instant()).stream()
                .map(w -> new GraceWarningView(w.controlId(), Durations.format(w.grace()), w.source(),
                        Durations.format(w.delay()), w.message())).toList();
        return new ActivePackView(pack.name(), pack.version(), v == null ? null : v.origin(),
                v == null ? null : v.activatedBy(), v == null ? null : v.activatedAt(), controls, pack.manual(), warnings);
    }

    @GET
    @Path("/versions")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Every pack version ever activated",
            description = "Newest first, with who activated each, when, from where (api or config) and what it replaced.")
    @APIResponse(responseCode = "200", description = "The versions")
    public List<VersionView> versions() {
        return registry.versions().stream().map(v -> new VersionView(v.name(), v.version(), v.origin(), v.activatedBy(),
                v.activatedAt(), v.previousVersion())).toList();
    }

    @GET
    @Path("/versions/{version}")
    @Produces("application/yaml")
    @Operation(summary = "The YAML of one pack version",
            description = "Exactly the text that was activated, so the version an execution names can be re-run.")
    @APIResponse(responseCode = "200", description = "The pack's YAML")
    @APIResponse(responseCode = "404", description = "No such version was ever activated")
    public String version(@Parameter(description = "The version, as executions name it, e.g. sha256:3f9a1c0e5b7d2a41")
                          @PathParam("version") String version) {
        PackVersion v = registry.version(version);
        if (v == null) {
            throw new ProblemException(Problem.of(Response.Status.NOT_FOUND, "unknown-pack-version", "Unknown pack version",
                    "No pack version " + version + " was ever activated."));
        }
        return v.yaml();
    }

    @PUT
    @Path("/active")
    @Operation(summary = "Activate a pack on every instance",
            description = "Validates the uploaded pack whole (file, control, line and reason of the first problem), "
                    + "writes the version, the active pointer and a controlwatch.pack.activated audit event in one Kafka "
                    + "transaction and answers once this instance runs it; the others follow within a second.")
    @APIResponse(responseCode = "200", description = "Activated: the new version and the controls added, removed, changed")
    @Consumes({"application/yaml", "application/x-yaml", "text/yaml", MediaType.TEXT_PLAIN})
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public ActivationView activate(String yaml, @Context SecurityContext security) {
        String admin = security.getUserPrincipal() == null ? "unknown" : security.getUserPrincipal().getName();
        try {
            PackRegistry.Change change = registry.activate(yaml, admin);
            PackVersion v = change.activated();
            return new ActivationView(v.name(), v.version(), v.previousVersion(), change.added(), change.removed(),
                    change.changed());
        } catch (ControlPackException e) {
            throw new ProblemException(Problem.of(Response.Status.BAD_REQUEST, "invalid-control-pack",
                    "Invalid control pack", e.getMessage() + " (the running pack is unchanged)")
                    .withErrors(List.of(new Problem.FieldError(null, e.controlId() == null ? "pack" : e.controlId(),
                            e.line() > 0 ? e.line() : null, e.reason()))));
        }
    }
}
