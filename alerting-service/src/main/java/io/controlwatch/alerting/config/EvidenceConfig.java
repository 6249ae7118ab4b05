package io.controlwatch.alerting.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/**
 * The evidence chain's signing key and checkpoints (docs/auditors.md, docs/operations.md); each overridable by
 * environment variable (CW_EVIDENCE_...).
 */
@ConfigMapping(prefix = "cw.evidence")
public interface EvidenceConfig {

    /**
     * PEM file of the Ed25519 private key (PKCS#8, {@code PRIVATE KEY}) that signs checkpoints and export manifests.
     * Without it the chain is still written, but no checkpoint is signed (CW003200 at start).
     */
    Optional<String> signingKey();

    /** PEM file of the signing key's public half ({@code PUBLIC KEY}); required with {@link #signingKey()}. */
    Optional<String> publicKey();

    /**
     * PEM file of the public keys that signed evidence before a rotation (any number of {@code PUBLIC KEY} blocks):
     * kept for verification only, served by {@code GET /api/v1/evidence/public-key}.
     */
    Optional<String> retiredPublicKeys();

    /** How often a checkpoint of every chain head is signed while evidence flows (none when nothing changed). */
    @WithDefault("60s")
    Duration checkpointEvery();

    /** Checkpoints published to {@code cw.evidence-checkpoints.v1} per relay run (the rest follow at the next tick). */
    @WithDefault("100")
    int publishBatch();

    /**
     * How long {@code GET /api/v1/evidence/verify} reads {@code cw.evidence-checkpoints.v1} at most; a topic not read
     * to its end in that time is reported as not compared, never as verified.
     */
    @WithDefault("30s")
    Duration topicReadTimeout();

    /** Most discrepancies {@code GET /api/v1/evidence/verify} lists (all are counted). */
    @WithDefault("100")
    int maxDiscrepancies();

    /** Rows fetched per round trip while the verifier and exports stream the chain from PostgreSQL. */
    @WithDefault("2000")
    int fetchSize();
}
