package io.controlwatch.evidence;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The keys evidence is signed and verified with: the current signing key (absent in a verifier) and every public key
 * that signed evidence before a rotation. Rotation adds a key and retires the old one to verification only, so
 * checkpoints signed before it stay verifiable.
 */
public final class KeyRing {

    private final SigningKey current;
    private final Map<String, VerificationKey> keys;

    private KeyRing(SigningKey current, Collection<VerificationKey> verificationKeys) {
        this.current = current;
        Map<String, VerificationKey> byId = new LinkedHashMap<>();
        if (current != null) {
            byId.put(current.keyId(), current.publicKey());
        }
        for (VerificationKey key : verificationKeys) {
            byId.putIfAbsent(key.keyId(), key);
        }
        this.keys = Collections.unmodifiableMap(byId);
    }

    /** A ring that signs with {@code current} and also trusts the {@code retired} keys. */
    public static KeyRing signingWith(SigningKey current, Collection<VerificationKey> retired) {
        return new KeyRing(java.util.Objects.requireNonNull(current, "current"), retired);
    }

    /** A ring that only verifies, trusting exactly these keys. */
    public static KeyRing trusting(Collection<VerificationKey> trusted) {
        return new KeyRing(null, trusted);
    }

    /** The ring after a rotation: {@code next} signs from now on, the current key only verifies. */
    public KeyRing rotate(SigningKey next) {
        List<VerificationKey> all = new ArrayList<>(keys.values());
        return new KeyRing(next, all);
    }

    /** The key that signs; fails in a verification-only ring. */
    public SigningKey current() {
        if (current == null) {
            throw new IllegalStateException("this key ring only verifies");
        }
        return current;
    }

    public boolean canSign() {
        return current != null;
    }

    /** The trusted key with this fingerprint. */
    public Optional<VerificationKey> key(String keyId) {
        return Optional.ofNullable(keys.get(keyId));
    }

    /** Every trusted public key, the current one first. */
    public List<VerificationKey> publicKeys() {
        return List.copyOf(keys.values());
    }

    /** All public keys as one PEM text (what {@code GET /api/v1/evidence/public-key} and a bundle's key file hold). */
    public String publicKeysPem() {
        StringBuilder out = new StringBuilder();
        for (VerificationKey key : keys.values()) {
            out.append("# Ed25519 key ").append(key.keyId()).append('\n').append(key.pem());
        }
        return out.toString();
    }
}
