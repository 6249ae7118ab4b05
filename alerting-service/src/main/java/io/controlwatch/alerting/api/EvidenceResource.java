package io.controlwatch.alerting.api;

import io.controlwatch.alerting.config.EvidenceConfig;
import io.controlwatch.alerting.config.ReportsConfig;
import io.controlwatch.alerting.logging.AlertingLogging;
import io.controlwatch.alerting.service.evidence.EvidenceKeys;
import io.controlwatch.alerting.service.evidence.EvidenceVerification;
import io.controlwatch.common.api.Roles;
import io.controlwatch.evidence.KeyRing;
import io.controlwatch.evidence.VerificationKey;
import io.controlwatch.evidence.verify.Discrepancy;
import io.controlwatch.evidence.verify.StoreVerification;
import io.controlwatch.model.Topics;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The evidence chain, for auditors: {@code GET /api/v1/evidence/verify} recomputes it from PostgreSQL over a period
 * and holds it against the signed checkpoints; {@code GET /api/v1/evidence/public-key} serves the keys that sign
 * them (docs/auditors.md, "The integrity guarantee").
 */
@Path("/api/v1/evidence")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Evidence integrity", description = "The tamper-evident evidence chain, its verification and keys")
public class EvidenceResource {

    /** What the access log records of this read: the rows answered. */
    @jakarta.inject.Inject
    io.controlwatch.alerting.service.access.AccessDetails details;

    /** One discrepancy: {@code code} is stable for scripts (the offline verifier's codes). */
    public record Finding(String code, String label, Integer partition, Long offset, String executionId,
                          String message) {
        static Finding of(Discrepancy d) {
            return new Finding(d.kind().code(), d.kind().label(), d.partition(), d.offset(), d.executionId(),
                    d.message());
        }
    }

    /**
     * A verification's answer.
     *
     * @param result           {@code ok}: every checkpointed row matches the signed chain; {@code broken}: see
     *                         {@code firstBroken} and {@code discrepancies}; {@code no-checkpoint}: nothing is signed yet
     * @param anchorCheckpoint the checkpoint the recomputation starts from (0: the start of every chain)
     * @param lastCheckpoint   the last checkpoint it is held against
     * @param rowsVerified     rows recomputed against a signed checkpoint
     * @param rowsPending      rows stored after the last checkpoint, covered by the next one
     * @param discrepancies    at most {@code cw.evidence.max-discrepancies} of them, in the order found
     * @param checkpointTopic  how the stored checkpoints compare with their copies on the checkpoint topic
     */
    public record Verification(Instant from, Instant to, String result, boolean verified, long anchorCheckpoint,
                               long lastCheckpoint, long checkpoints, int partitions, long rowsVerified,
                               long rowsPending, long discrepancyCount, Finding firstBroken,
                               List<Finding> discrepancies, CheckpointTopic checkpointTopic) {
    }

    /**
     * The stored checkpoints held against {@code cw.evidence-checkpoints.v1}, the copy outside PostgreSQL.
     *
     * @param state       {@code compared}; {@code unavailable} when the topic could not be read (see {@code problem}):
     *                    then only PostgreSQL was verified, and a removal of its latest checkpoints cannot be seen
     * @param published   checkpoints on the topic
     * @param unpublished checkpoints stored but not yet on the topic (the relay sends them within seconds)
     * @param missing     published checkpoints PostgreSQL does not hold (each also a {@code checkpoint-missing})
     * @param rewritten   stored checkpoints that differ from the published copy ({@code checkpoint-rewritten})
     */
    public record CheckpointTopic(String topic, String state, String problem, long published, long latestPublished,
                                  long unpublished, long missing, long rewritten) {
    }

    /** A public key: {@code keyId} is its fingerprint, SHA-256 of its SubjectPublicKeyInfo (hex). */
    public record PublicKey(String keyId, String status, String algorithm, String pem, Map<String, String> jwk) {
    }

    /** The keys; {@code current} is null when the service has no signing key configured. */
    public record PublicKeys(String current, List<PublicKey> keys) {
    }

    private final EvidenceVerification verification;
    private final EvidenceKeys keys;
    private final ReportsConfig reports;
    private final EvidenceConfig config;
    private final JsonWebToken token;

    public EvidenceResource(EvidenceVerification verification, EvidenceKeys keys, ReportsConfig reports,
                            EvidenceConfig config, JsonWebToken token) {
        this.verification = verification;
        this.keys = keys;
        this.reports = reports;
        this.config = config;
        this.token = token;
    }

    @GET
    @Path("/verify")
    @RolesAllowed({Roles.AUDITOR, Roles.ADMIN})
    @Operation(summary = "Verify the stored evidence of a period against the signed chain",
            description = "Recomputes the evidence hash chain from the rows PostgreSQL holds, from the last signed "
                    + "checkpoint before the period to the first one after it (or the latest), and holds every "
                    + "partition's recomputed head and row count against the signed checkpoints. Answers 'ok', or "
                    + "'broken' with the first broken link and every row changed, inserted or deleted since its "
                    + "checkpoint (codes as the offline verifier's), or 'no-checkpoint' while nothing is signed. Rows "
                    + "stored after the last checkpoint are counted as pending, not judged. The stored checkpoints are "
                    + "first held against their copies on the compacted topic cw.evidence-checkpoints.v1 "
                    + "(checkpointTopic): a checkpoint removed from PostgreSQL is reported and its published copy "
                    + "used in its place, so a rewrite of the database alone cannot hide behind a removed checkpoint. "
                    + "Executions stored before the chain existed are not chained and not covered.")
    @APIResponse(responseCode = "200", description = "The verification (also when it found the evidence altered)")
    @APIResponse(responseCode = "400", description = "A missing, unknown or invalid parameter, or a period that is "
            + "empty or longer than the maximum (400 days by default)")
    public Verification verify(
            @Parameter(description = "Start of the period (event time), RFC 3339, included; required")
            @QueryParam("from") String fromParam,
            @Parameter(description = "End of the period (event time), RFC 3339, excluded; required")
            @QueryParam("to") String toParam) throws SQLException {
        ReportPeriod period = ReportPeriod.of(fromParam, toParam, reports.maxPeriodDays());
        EvidenceVerification.Outcome outcome = verification.verify(period.from(), period.to());
        if (outcome == null) {
            return new Verification(period.from(), period.to(), "no-checkpoint", false, 0, 0, 0, 0, 0, 0, 0, null,
                    List.of(), null);
        }
        StoreVerification.Result r = outcome.result();
        List<Finding> found = outcome.discrepancies().stream().limit(config.maxDiscrepancies()).map(Finding::of)
                .toList();
        boolean verified = outcome.verified();
        if (!verified) {
            AlertingLogging.LOG.verificationFailed(period.from().toString(), period.to().toString(), caller(),
                    outcome.discrepancyCount(), found.isEmpty() ? "" : found.get(0).message());
        }
        details.rows(r.rowsVerified());
        EvidenceVerification.TopicComparison t = outcome.topic();
        return new Verification(period.from(), period.to(), verified ? "ok" : "broken", verified,
                outcome.anchor(), outcome.last(), r.checkpoints(), r.partitions(), r.rowsVerified(),
                r.rowsPending(), outcome.discrepancyCount(), found.isEmpty() ? null : found.get(0), found,
                new CheckpointTopic(Topics.EVIDENCE_CHECKPOINTS, t.state(), t.problem(), t.published(),
                        t.latestPublished(), t.unpublished(), t.missing(), t.rewritten()));
    }

    @GET
    @Path("/public-key")
    @RolesAllowed({Roles.INGEST, Roles.ANALYST, Roles.ONCALL, Roles.AUDITOR, Roles.ADMIN})
    @Operation(summary = "The public keys that sign the evidence",
            description = "Every Ed25519 public key that signs or signed checkpoints and export manifests: the current "
                    + "one first, then those retired by a rotation (kept so that earlier evidence stays verifiable). "
                    + "Each as PEM (X.509 SubjectPublicKeyInfo) and as a JWK (RFC 8037), with its key id: the "
                    + "fingerprint, SHA-256 of the SubjectPublicKeyInfo in hex ('openssl pkey -pubin -in key.pem "
                    + "-outform DER | sha256sum'). Confirm the fingerprint through a second channel before trusting it.")
    @APIResponse(responseCode = "200", description = "The keys")
    public PublicKeys publicKey() {
        KeyRing ring = keys.trusted();
        String current = ring.canSign() ? ring.current().keyId() : null;
        List<PublicKey> all = ring.publicKeys().stream().map(k -> new PublicKey(k.keyId(),
                k.keyId().equals(current) ? "current" : "retired", VerificationKey.ALGORITHM, k.pem(), jwk(k))).toList();
        return new PublicKeys(current, all);
    }

    /** RFC 8037: an Ed25519 key's JWK holds the raw 32-byte key, the end of its SubjectPublicKeyInfo. */
    private static Map<String, String> jwk(VerificationKey key) {
        byte[] spki = key.publicKey().getEncoded();
        byte[] raw = Arrays.copyOfRange(spki, spki.length - 32, spki.length);
        return Map.of("kty", "OKP", "crv", "Ed25519", "x", Base64.getUrlEncoder().withoutPadding().encodeToString(raw),
                "kid", key.keyId(), "use", "sig", "alg", "EdDSA");
    }

    private String caller() {
        return token == null || token.getSubject() == null ? "unknown" : token.getSubject();
    }
}
