package io.controlwatch.alerting.api;

import io.controlwatch.alerting.config.ReportsConfig;
import io.controlwatch.alerting.persistence.ExecutionEntity;
import io.controlwatch.alerting.service.packs.PacksInForce;
import io.controlwatch.alerting.service.reports.SampleService;
import io.controlwatch.common.api.QueryParams;
import io.controlwatch.common.api.Roles;
import io.controlwatch.evidence.sampling.Sample;
import io.controlwatch.evidence.sampling.SampleSizes;
import io.controlwatch.evidence.sampling.Sampling;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
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

import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@code GET /api/v1/samples}: a reproducible sample of one control's executions in a period. The answer names the
 * seed, the population's size and hash and the algorithm, so an auditor can re-draw it offline (docs/auditors.md).
 */
@Path("/api/v1/samples")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Reports", description = "Operating effectiveness of the controls over an audit period, and samples")
public class SampleResource {

    /** What the access log records of this read: the rows answered. */
    @jakarta.inject.Inject
    io.controlwatch.alerting.service.access.AccessDetails details;

    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * A drawn sample.
     *
     * @param size      the size asked for, or the default; {@code items} holds fewer only when the population does
     * @param sizeRule  where the size came from: {@code requested}, or {@code default for <frequency> controls} (the
     *                  control's frequency in the pack version in force at {@code to}; with the reason appended when
     *                  no archived pack version knows the control and the fallback frequency applied)
     * @param ranks     each item's rank, HMAC-SHA256(seed, executionId) in hex, in the order of {@code items}
     * @param items     the sampled executions, smallest rank first, as {@code GET /api/v1/executions} shows them
     */
    public record SampleAnswer(String controlId, Instant from, Instant to, long populationSize,
                               String populationSha256, String seed, boolean seedGenerated, int size, String sizeRule,
                               String algorithm, List<String> ranks, List<ExecutionResource.Execution> items) {
    }

    private final SampleService samples;
    private final PacksInForce packs;
    private final ReportsConfig config;

    public SampleResource(SampleService samples, PacksInForce packs, ReportsConfig config) {
        this.samples = samples;
        this.packs = packs;
        this.config = config;
        // a misspelt CW_REPORTS_DEFAULT_SAMPLE_FREQUENCY fails the start, not every sample request
        SampleSizes.forFrequency(config.defaultSampleFrequency());
    }

    @GET
    @RolesAllowed({Roles.ANALYST, Roles.AUDITOR, Roles.ADMIN})
    @WithSession
    @Operation(summary = "Draw a reproducible sample of a control's executions",
            description = "Ranks every execution of the control with event time in [from, to) by "
                    + "HMAC-SHA256(seed, executionId) and returns the 'size' smallest ranks, with the population's "
                    + "size and SHA-256 (over the sorted execution ids, each followed by a newline). The same seed "
                    + "over the same population gives the same sample, always; without a seed one is generated and "
                    + "returned. The default size is the docs/auditors.md table's figure for the control's frequency in "
                    + "the pack version in force at the period's end (60, the continuous row, when no archived pack "
                    + "knows the control), never more than the population; 'sizeRule' says which.")
    @APIResponse(responseCode = "200", description = "The sample")
    @APIResponse(responseCode = "400", description = "A missing, unknown or invalid parameter, a period that is empty "
            + "or too long, a size out of range or a seed that is too long")
    @APIResponse(responseCode = "404", description = "The control does not exist")
    public Uni<SampleAnswer> sample(
            @Parameter(description = "Control id, e.g. cc6.1-console-login-mfa; required")
            @QueryParam("control") String controlParam,
            @Parameter(description = "Start of the period (event time), RFC 3339, included; required")
            @QueryParam("from") String fromParam,
            @Parameter(description = "End of the period (event time), RFC 3339, excluded; required")
            @QueryParam("to") String toParam,
            @Parameter(description = "Sample size, 1-10000 (default: by the control's frequency, see docs/auditors.md)")
            @QueryParam("size") String sizeParam,
            @Parameter(description = "Seed, 1-256 characters (default: a random one, returned in the answer)")
            @QueryParam("seed") String seedParam) {
        String control = QueryParams.text("control", controlParam, 80);
        if (control == null) {
            throw QueryParams.invalid("control", "is required");
        }
        ReportPeriod period = ReportPeriod.of(fromParam, toParam, config.maxPeriodDays());
        int requested = QueryParams.integer("size", sizeParam, 0, 1, Sampling.MAX_SIZE);
        String given = QueryParams.text("seed", seedParam, Sampling.MAX_SEED_LENGTH);
        // a generated seed is returned, so even an unplanned sample can be re-drawn and checked
        String seed = given != null ? given : HexFormat.of().formatHex(randomBytes());
        return KnownControls.require(control)
                .chain(() -> requested > 0 ? Uni.createFrom().item(new SizeChoice(requested, "requested"))
                        : defaultSize(control, period))
                .chain(choice -> samples.draw(control, period.from(), period.to(), seed, choice.size())
                        .chain(sample -> items(sample).map(items -> new SampleAnswer(control, period.from(),
                                period.to(), sample.populationSize(), sample.populationHash().hex(), seed,
                                given == null, choice.size(), choice.rule(), sample.algorithm(), sample.ranks(),
                                items))))
                .invoke(answer -> details.rows(answer.items().size()));
    }

    private record SizeChoice(int size, String rule) {
    }

    /**
     * The table's size for the control's frequency in the pack version in force at the period's end (the latest
     * archived version containing the control); the fallback frequency's, saying so, when no archived pack knows it.
     */
    private Uni<SizeChoice> defaultSize(String control, ReportPeriod period) {
        return packs.frequency(control, period.to()).map(found -> {
            if (found.isPresent() && SampleSizes.table().containsKey(found.get().frequency())) {
                String frequency = found.get().frequency();
                return new SizeChoice(SampleSizes.forFrequency(frequency), "default for " + frequency + " controls");
            }
            String fallback = config.defaultSampleFrequency();
            return new SizeChoice(SampleSizes.forFrequency(fallback), "default for " + fallback
                    + " controls: no archived pack version in force at the period's end gives this control's frequency");
        });
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /** The sampled executions, in the sample's rank order. */
    private static Uni<List<ExecutionResource.Execution>> items(Sample sample) {
        if (sample.ids().isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        List<UUID> ids = sample.ids().stream().map(UUID::fromString).toList();
        return ExecutionEntity.<ExecutionEntity>list("executionId in ?1", ids).map(rows -> {
            Map<UUID, ExecutionEntity> byId = rows.stream()
                    .collect(Collectors.toMap(e -> e.executionId, Function.identity()));
            return ids.stream().map(byId::get).map(ExecutionResource.Execution::of).toList();
        });
    }
}
