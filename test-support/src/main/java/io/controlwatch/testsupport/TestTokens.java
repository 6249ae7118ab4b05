package io.controlwatch.testsupport;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.model.ModelJson;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * JWTs for tests, signed with a key pair made fresh for each test JVM (no private key in the repository).
 * Services under test verify them with the public key at {@link #publicKeyFile()}.
 * <p>
 * Tokens are encoded by hand (header, claims, RS256 with the JDK) rather than by a JWT library, so the attack set
 * ({@link #forgeries}) can build exactly the malformed tokens a library would refuse to produce.
 */
public final class TestTokens {

    public static final String ISSUER = "controlwatch";
    /** The audience of each service; valid test tokens are addressed to all of them. */
    public static final String INGEST_AUDIENCE = "controlwatch-ingest";
    public static final String EVALUATION_AUDIENCE = "controlwatch-evaluation";
    public static final String ALERTING_AUDIENCE = "controlwatch-alerting";
    public static final List<String> AUDIENCES = List.of(INGEST_AUDIENCE, EVALUATION_AUDIENCE, ALERTING_AUDIENCE);

    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
    private static KeyPair keys;
    private static KeyPair strangerKeys;
    private static Path publicKeyFile;
    private static String publicKeyPem;

    private TestTokens() {
    }

    /** A valid token carrying the given roles. */
    public static String withRoles(String... roles) {
        return token().roles(roles).sign();
    }

    /** A correctly signed token that expired an hour ago. */
    public static String expired(String... roles) {
        Instant now = Instant.now();
        return token().roles(roles).issuedAt(now.minus(Duration.ofHours(2))).expiresAt(now.minus(Duration.ofHours(1))).sign();
    }

    /** A token with the right claims signed by a key the services do not trust. */
    public static String signedByUnknownKey(String... roles) {
        return token().roles(roles).signWith(strangerKeys().getPrivate());
    }

    /** A token builder with valid defaults: issuer, all audiences, subject, issued a minute ago, valid for an hour. */
    public static Builder token() {
        return new Builder();
    }

    /**
     * Tokens for the given role that a service must refuse with 401, by name: the classic JWT attacks (no
     * algorithm, the RSA public key used as an HMAC secret, a foreign key, a stripped or swapped signature) and every
     * claim the services require missing or wrong. See docs/security.md.
     */
    public static Map<String, String> forgeries(String audience, String role) {
        Instant now = Instant.now();
        Map<String, String> tokens = new LinkedHashMap<>();
        Builder valid = token().roles(role).audiences(audience);
        tokens.put("alg none", valid.unsigned("none"));
        tokens.put("HS256 with the RSA public key as secret", valid.hmacWith(publicKeyPem().getBytes(StandardCharsets.US_ASCII)));
        tokens.put("HS256 with the DER public key as secret", valid.hmacWith(keys().getPublic().getEncoded()));
        tokens.put("foreign key", valid.signWith(strangerKeys().getPrivate()));
        tokens.put("wrong issuer", token().roles(role).audiences(audience).issuer("https://evil.example.com").sign());
        tokens.put("wrong audience", token().roles(role).audiences("some-other-service").sign());
        tokens.put("no audience", token().roles(role).audiences().sign());
        tokens.put("expired", token().roles(role).audiences(audience).issuedAt(now.minus(Duration.ofHours(2)))
                .expiresAt(now.minus(Duration.ofMinutes(5))).sign());
        tokens.put("no expiry", token().roles(role).audiences(audience).expiresAt(null).sign());
        tokens.put("not valid yet (nbf)", token().roles(role).audiences(audience).claim("nbf", now.plus(Duration.ofHours(1)).getEpochSecond()).sign());
        tokens.put("issued in the future", token().roles(role).audiences(audience).issuedAt(now.plus(Duration.ofHours(1)))
                .expiresAt(now.plus(Duration.ofHours(2))).sign());
        tokens.put("no issue time", token().roles(role).audiences(audience).issuedAt(null).sign());
        tokens.put("older than the maximum age", token().roles(role).audiences(audience).issuedAt(now.minus(Duration.ofHours(25)))
                .expiresAt(now.plus(Duration.ofHours(1))).sign());
        tokens.put("lifetime over the maximum", token().roles(role).audiences(audience).expiresAt(now.plus(Duration.ofDays(30))).sign());
        tokens.put("no subject", token().roles(role).audiences(audience).subject(null).sign());
        String signed = valid.sign();
        tokens.put("signature stripped", signed.substring(0, signed.lastIndexOf('.') + 1));
        // a valid low-privilege token's signature under the claims of a privileged one
        tokens.put("payload swapped", swapPayload(signed, token().roles("nothing").audiences(audience).sign()));
        tokens.put("not a JWT", "definitely-not-a-jwt");
        tokens.put("two parts", signed.substring(0, signed.lastIndexOf('.')));
        return tokens;
    }

    /**
     * The private key (PKCS#8, base64 without PEM lines), for an identity provider that must sign tokens the services
     * verify with {@link #publicKeyFile()} (TestKeycloak imports it into its realm).
     */
    public static String privateKeyBase64() {
        return Base64.getEncoder().encodeToString(keys().getPrivate().getEncoded());
    }

    /** PEM file of the public key, for {@code mp.jwt.verify.publickey.location}. */
    public static synchronized Path publicKeyFile() {
        if (publicKeyFile == null) {
            try {
                Path file = Files.createTempFile("cw-test-jwt", ".pem");
                file.toFile().deleteOnExit();
                Files.writeString(file, publicKeyPem());
                publicKeyFile = file;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return publicKeyFile;
    }

    private static synchronized String publicKeyPem() {
        if (publicKeyPem == null) {
            publicKeyPem = "-----BEGIN PUBLIC KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(keys().getPublic().getEncoded())
                    + "\n-----END PUBLIC KEY-----\n";
        }
        return publicKeyPem;
    }

    /** Claims and a signature; every claim can be left out ({@code null}) or set wrong on purpose. */
    public static final class Builder {
        private final Map<String, Object> claims = new LinkedHashMap<>();

        private Builder() {
            Instant now = Instant.now();
            claims.put("iss", ISSUER);
            claims.put("sub", "test-" + UUID.randomUUID().toString().substring(0, 8));
            claims.put("aud", AUDIENCES);
            claims.put("iat", now.minus(Duration.ofMinutes(1)).getEpochSecond());
            claims.put("exp", now.plus(Duration.ofHours(1)).getEpochSecond());
            claims.put("jti", UUID.randomUUID().toString());
        }

        public Builder roles(String... roles) {
            claims.put("groups", List.of(roles));
            if (roles.length > 0) {
                claims.put("sub", "test-" + String.join("-", roles));
                claims.put("upn", "test-" + String.join("-", roles) + "@controlwatch.test");
            }
            return this;
        }

        public Builder subject(String subject) {
            return claim("sub", subject);
        }

        public Builder issuer(String issuer) {
            return claim("iss", issuer);
        }

        /** No audiences at all when called without arguments. */
        public Builder audiences(String... audiences) {
            return claim("aud", audiences.length == 0 ? null : List.of(audiences));
        }

        public Builder issuedAt(Instant at) {
            return claim("iat", at == null ? null : at.getEpochSecond());
        }

        public Builder expiresAt(Instant at) {
            return claim("exp", at == null ? null : at.getEpochSecond());
        }

        /** Sets (or, with null, removes) any claim: a string, a number, or a list of strings. */
        public Builder claim(String name, Object value) {
            if (value == null) {
                claims.remove(name);
            } else {
                claims.put(name, value);
            }
            return this;
        }

        public String sign() {
            return signWith(keys().getPrivate());
        }

        public String signWith(PrivateKey key) {
            String input = encode("{\"alg\":\"RS256\",\"typ\":\"JWT\"}") + "." + encode(claimsJson());
            try {
                Signature signature = Signature.getInstance("SHA256withRSA");
                signature.initSign(key);
                signature.update(input.getBytes(StandardCharsets.US_ASCII));
                return input + "." + B64URL.encodeToString(signature.sign());
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        String hmacWith(byte[] secret) {
            String input = encode("{\"alg\":\"HS256\",\"typ\":\"JWT\"}") + "." + encode(claimsJson());
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(secret, "HmacSHA256"));
                return input + "." + B64URL.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        String unsigned(String alg) {
            return encode("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}") + "." + encode(claimsJson()) + ".";
        }

        private String claimsJson() {
            ObjectNode json = ModelJson.mapper().createObjectNode();
            claims.forEach((name, value) -> {
                if (value instanceof List<?> list) {
                    ArrayNode array = json.putArray(name);
                    list.forEach(v -> array.add(String.valueOf(v)));
                } else if (value instanceof Number n) {
                    json.put(name, n.longValue());
                } else {
                    json.put(name, String.valueOf(value));
                }
            });
            return json.toString();
        }
    }

    private static String encode(String json) {
        return B64URL.encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    /** The header and payload of one token with the signature of another. */
    private static String swapPayload(String payloadDonor, String signed) {
        String[] donor = payloadDonor.split("\\.");
        String[] parts = signed.split("\\.");
        return parts[0] + "." + donor[1] + "." + parts[2];
    }

    private static synchronized KeyPair keys() {
        if (keys == null) {
            keys = generate();
        }
        return keys;
    }

    private static synchronized KeyPair strangerKeys() {
        if (strangerKeys == null) {
            strangerKeys = generate();
        }
        return strangerKeys;
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
