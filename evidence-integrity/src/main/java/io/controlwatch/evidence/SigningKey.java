package io.controlwatch.evidence;

import io.controlwatch.evidence.internal.Pem;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.List;

/**
 * The service's Ed25519 signing key and its public half. Keep the private key out of the evidence store: whoever
 * holds it and can rewrite both PostgreSQL and the checkpoint topic can forge history (docs/auditors.md).
 */
public final class SigningKey {

    private static final String PRIVATE_PEM_LABEL = "PRIVATE KEY";
    private static final byte[] PROBE = "cw-key-pair-probe".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final PrivateKey privateKey;
    private final VerificationKey publicKey;

    private SigningKey(PrivateKey privateKey, VerificationKey publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
    }

    /** A new random key pair. */
    public static SigningKey generate() {
        try {
            KeyPair pair = KeyPairGenerator.getInstance(VerificationKey.ALGORITHM).generateKeyPair();
            return new SigningKey(pair.getPrivate(), new VerificationKey(pair.getPublic()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot generate Ed25519 keys", e);
        }
    }

    /**
     * Loads a key pair from its PEM forms ({@code PRIVATE KEY} PKCS#8 and {@code PUBLIC KEY} X.509). The JDK cannot
     * derive the public key from the private one, so both are given; a pair that does not belong together is refused.
     */
    public static SigningKey fromPem(String privatePem, String publicPem) {
        List<byte[]> blocks = Pem.read(privatePem, PRIVATE_PEM_LABEL);
        if (blocks.size() != 1) {
            throw new IllegalArgumentException("expected one PRIVATE KEY block, found " + blocks.size());
        }
        PrivateKey privateKey;
        try {
            privateKey = KeyFactory.getInstance(VerificationKey.ALGORITHM)
                    .generatePrivate(new PKCS8EncodedKeySpec(blocks.get(0)));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not an Ed25519 private key: " + e.getMessage(), e);
        }
        SigningKey key = new SigningKey(privateKey, VerificationKey.fromPem(publicPem));
        if (!key.publicKey.verifies(PROBE, key.sign(PROBE))) {
            throw new IllegalArgumentException("the public key " + key.keyId() + " does not belong to the private key");
        }
        return key;
    }

    /** Ed25519 signature of {@code data}. */
    public byte[] sign(byte[] data) {
        try {
            Signature signer = Signature.getInstance(VerificationKey.ALGORITHM);
            signer.initSign(privateKey);
            signer.update(data);
            return signer.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot sign with Ed25519", e);
        }
    }

    public VerificationKey publicKey() {
        return publicKey;
    }

    public String keyId() {
        return publicKey.keyId();
    }

    /** The private key as a PEM {@code PRIVATE KEY} (PKCS#8) block: for the operator's secret store only. */
    public String privatePem() {
        return Pem.write(PRIVATE_PEM_LABEL, privateKey.getEncoded());
    }

    @Override
    public String toString() {
        return "Ed25519 signing key " + keyId(); // never the private bytes
    }
}
