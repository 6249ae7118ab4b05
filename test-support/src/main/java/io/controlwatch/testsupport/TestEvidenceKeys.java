package io.controlwatch.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;

/**
 * An Ed25519 evidence signing key for the tests, generated once per JVM and written as PEM files (what
 * {@code deploy/local/up.sh} generates with openssl): the alerting service signs checkpoints and manifests with it.
 */
public final class TestEvidenceKeys {

    private static KeyPair keys;
    private static Path privateKeyFile;
    private static Path publicKeyFile;

    private TestEvidenceKeys() {
    }

    public static synchronized Path privateKeyFile() {
        init();
        return privateKeyFile;
    }

    public static synchronized Path publicKeyFile() {
        init();
        return publicKeyFile;
    }

    /** The key's fingerprint as the service names it: hex SHA-256 of its SubjectPublicKeyInfo. */
    public static synchronized String keyId() {
        init();
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(keys.getPublic().getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void init() {
        if (keys != null) {
            return;
        }
        try {
            keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            Path dir = Files.createTempDirectory("cw-evidence-keys");
            privateKeyFile = dir.resolve("evidence-private.pem");
            publicKeyFile = dir.resolve("evidence-public.pem");
            Files.writeString(privateKeyFile, pem("PRIVATE KEY", keys.getPrivate().getEncoded()), StandardCharsets.US_ASCII);
            Files.writeString(publicKeyFile, pem("PUBLIC KEY", keys.getPublic().getEncoded()), StandardCharsets.US_ASCII);
            privateKeyFile.toFile().deleteOnExit();
            publicKeyFile.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot generate Ed25519 keys", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }
}
