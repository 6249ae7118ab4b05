package io.controlwatch.evidence;

import io.controlwatch.evidence.internal.Pem;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An Ed25519 public key that verifies checkpoints and manifests. Its {@link #keyId() key id} is its fingerprint:
 * the SHA-256 of the key's X.509 SubjectPublicKeyInfo (the DER inside the PEM), in hex, so anyone can recompute it
 * with {@code openssl pkey -pubin -in key.pem -outform DER | sha256sum}.
 */
public final class VerificationKey {

    public static final String ALGORITHM = "Ed25519";
    private static final String PEM_LABEL = "PUBLIC KEY";

    private final PublicKey key;
    private final String keyId;

    VerificationKey(PublicKey key) {
        if (!ALGORITHM.equals(key.getAlgorithm()) && !"EdDSA".equals(key.getAlgorithm())) {
            throw new IllegalArgumentException("not an Ed25519 key: " + key.getAlgorithm());
        }
        this.key = key;
        this.keyId = fingerprint(key.getEncoded());
    }

    /** The fingerprint of a key given as its X.509 SubjectPublicKeyInfo DER. */
    public static String fingerprint(byte[] subjectPublicKeyInfo) {
        return Sha256.hash(subjectPublicKeyInfo).hex();
    }

    /** Reads one Ed25519 public key from DER (X.509 SubjectPublicKeyInfo). */
    public static VerificationKey fromDer(byte[] der) {
        try {
            return new VerificationKey(KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not an Ed25519 public key: " + e.getMessage(), e);
        }
    }

    /** Reads the single public key of a PEM text. */
    public static VerificationKey fromPem(String pem) {
        List<VerificationKey> keys = allFromPem(pem);
        if (keys.size() != 1) {
            throw new IllegalArgumentException("expected one PUBLIC KEY block, found " + keys.size());
        }
        return keys.get(0);
    }

    /** Reads every public key of a PEM text (a key ring file holds one block per key). */
    public static List<VerificationKey> allFromPem(String pem) {
        List<VerificationKey> keys = new ArrayList<>();
        for (byte[] der : Pem.read(Objects.requireNonNull(pem, "pem"), PEM_LABEL)) {
            keys.add(fromDer(der));
        }
        return keys;
    }

    /** The fingerprint: hex SHA-256 of the SubjectPublicKeyInfo. */
    public String keyId() {
        return keyId;
    }

    public PublicKey publicKey() {
        return key;
    }

    /** The key as a PEM {@code PUBLIC KEY} block. */
    public String pem() {
        return Pem.write(PEM_LABEL, key.getEncoded());
    }

    /** True when {@code signature} is this key's Ed25519 signature of {@code data}. */
    public boolean verifies(byte[] data, byte[] signature) {
        try {
            Signature verifier = Signature.getInstance(ALGORITHM);
            verifier.initVerify(key);
            verifier.update(data);
            return verifier.verify(signature);
        } catch (java.security.SignatureException e) {
            return false; // a malformed signature is simply not a valid one
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot verify Ed25519", e);
        }
    }

    /** The JSON form served to auditors: {@code {"algorithm":"Ed25519","keyId":…,"pem":…}}. */
    public String toJson() {
        var node = io.controlwatch.evidence.internal.Json.MAPPER.createObjectNode();
        node.put("algorithm", ALGORITHM);
        node.put("keyId", keyId);
        node.put("pem", pem());
        return node.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VerificationKey other && keyId.equals(other.keyId);
    }

    @Override
    public int hashCode() {
        return keyId.hashCode();
    }

    @Override
    public String toString() {
        return "Ed25519 key " + keyId;
    }
}
