package io.controlwatch.alerting.service.evidence;

import io.controlwatch.alerting.config.EvidenceConfig;
import io.controlwatch.alerting.logging.AlertingLogging;
import io.controlwatch.evidence.KeyRing;
import io.controlwatch.evidence.SigningKey;
import io.controlwatch.evidence.VerificationKey;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The service's evidence keys, read once at start: the Ed25519 key that signs checkpoints and manifests, and the
 * public keys it replaced. A key that is configured but unreadable fails the start; no key at all leaves the chain
 * unsigned (logged), so a development setup without keys still stores evidence.
 */
@ApplicationScoped
public class EvidenceKeys {

    private final KeyRing ring;
    private final List<VerificationKey> retired;

    public EvidenceKeys(EvidenceConfig config) {
        this.retired = config.retiredPublicKeys().map(p -> VerificationKey.allFromPem(read(p))).orElse(List.of());
        if (config.signingKey().isPresent() != config.publicKey().isPresent()) {
            throw new IllegalStateException("cw.evidence.signing-key and cw.evidence.public-key are set together "
                    + "(CW_EVIDENCE_SIGNING_KEY, CW_EVIDENCE_PUBLIC_KEY)");
        }
        if (config.signingKey().isPresent()) {
            SigningKey key = SigningKey.fromPem(read(config.signingKey().get()), read(config.publicKey().get()));
            this.ring = KeyRing.signingWith(key, retired);
            AlertingLogging.LOG.evidenceKey(key.keyId(), retired.size());
        } else {
            this.ring = KeyRing.trusting(retired);
            AlertingLogging.LOG.evidenceUnsigned();
        }
    }

    /** The ring that signs, if a signing key is configured. */
    public Optional<KeyRing> signing() {
        return ring.canSign() ? Optional.of(ring) : Optional.empty();
    }

    /** Every public key the service trusts: the current one first, then the retired ones. */
    public KeyRing trusted() {
        return ring;
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the evidence key file " + file, e);
        }
    }
}
