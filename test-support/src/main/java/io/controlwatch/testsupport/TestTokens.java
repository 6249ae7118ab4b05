package io.controlwatch.testsupport;

import io.smallrye.jwt.build.Jwt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Set;

/**
 * JWTs for tests, signed with a key pair made fresh for each test JVM (no private key in the repository).
 * Services under test verify them with the public key at {@link #publicKeyFile()}.
 */
public final class TestTokens {

    public static final String ISSUER = "controlwatch";

    private static KeyPair keys;
    private static KeyPair strangerKeys;
    private static Path publicKeyFile;

    private TestTokens() {
    }

    /** A valid token carrying the given roles. */
    public static String withRoles(String... roles) {
        return sign(keys().getPrivate(), Set.of(roles), Instant.now().plus(Duration.ofHours(1)));
    }

    /** A correctly signed token that expired an hour ago. */
    public static String expired(String... roles) {
        return sign(keys().getPrivate(), Set.of(roles), Instant.now().minus(Duration.ofHours(1)));
    }

    /** A token with the right claims signed by a key the services do not trust. */
    public static String signedByUnknownKey(String... roles) {
        synchronized (TestTokens.class) {
            if (strangerKeys == null) {
                strangerKeys = generate();
            }
        }
        return sign(strangerKeys.getPrivate(), Set.of(roles), Instant.now().plus(Duration.ofHours(1)));
    }

    /** PEM file of the public key, for {@code mp.jwt.verify.publickey.location}. */
    public static synchronized Path publicKeyFile() {
        if (publicKeyFile == null) {
            try {
                Path file = Files.createTempFile("cw-test-jwt", ".pem");
                file.toFile().deleteOnExit();
                String pem = "-----BEGIN PUBLIC KEY-----\n"
                        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(keys().getPublic().getEncoded())
                        + "\n-----END PUBLIC KEY-----\n";
                Files.writeString(file, pem);
                publicKeyFile = file;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return publicKeyFile;
    }

    private static String sign(java.security.PrivateKey key, Set<String> roles, Instant expiresAt) {
        return Jwt.issuer(ISSUER)
                .subject("test-" + String.join("-", roles))
                .upn("test-" + String.join("-", roles) + "@controlwatch.test")
                .groups(roles)
                .issuedAt(expiresAt.minus(Duration.ofHours(2)))
                .expiresAt(expiresAt)
                .sign(key);
    }

    private static synchronized KeyPair keys() {
        if (keys == null) {
            keys = generate();
        }
        return keys;
    }

    private static KeyPair generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
