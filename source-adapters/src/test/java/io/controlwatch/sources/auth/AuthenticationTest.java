package io.controlwatch.sources.auth;

import io.controlwatch.sources.DeliveryHeaders;
import io.controlwatch.sources.SourceKind;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AuthenticationTest {

    // Known answers published by the vendors: GitHub's "Validating webhook deliveries" and the Standard Webhooks spec.
    static final String GITHUB_SECRET = "It's a Secret to Everybody";
    static final byte[] GITHUB_BODY = "Hello, World!".getBytes(StandardCharsets.UTF_8);
    static final String GITHUB_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    static final String SW_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    static final String SW_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    static final String SW_TIMESTAMP = "1614265330";
    static final byte[] SW_BODY = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
    static final String SW_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    static final Instant SW_NOW = Instant.ofEpochSecond(1614265330);

    @Test
    void githubKnownAnswer() {
        assertThat(GitHubSignature.sign(GITHUB_SECRET, GITHUB_BODY)).isEqualTo(GITHUB_SIGNATURE);
        assertThat(GitHubSignature.verify(GITHUB_BODY, GITHUB_SIGNATURE, SourceSecrets.of(GITHUB_SECRET))).isTrue();
        assertThat(GitHubSignature.verify(GITHUB_BODY, GITHUB_SIGNATURE, SourceSecrets.of("another secret"))).isFalse();
    }

    @Test
    void githubRejectsEverySingleBitFlipOfBodyAndSignature() {
        SourceSecrets secrets = SourceSecrets.of(GITHUB_SECRET);
        for (byte[] body : flips(GITHUB_BODY)) {
            assertThat(GitHubSignature.verify(body, GITHUB_SIGNATURE, secrets)).as("flipped body %s", new String(body, StandardCharsets.ISO_8859_1)).isFalse();
        }
        for (byte[] header : flips(GITHUB_SIGNATURE.getBytes(StandardCharsets.ISO_8859_1))) {
            String flipped = new String(header, StandardCharsets.ISO_8859_1);
            assertThat(GitHubSignature.verify(GITHUB_BODY, flipped, secrets)).as("flipped signature %s", flipped).isFalse();
        }
        assertThat(flips(GITHUB_BODY)).hasSize(GITHUB_BODY.length * 8);
    }

    @Test
    void githubAcceptsThePreviousSecretDuringRotationOnly() {
        SourceSecrets rotating = new SourceSecrets("new secret", GITHUB_SECRET);
        assertThat(GitHubSignature.verify(GITHUB_BODY, GITHUB_SIGNATURE, rotating)).isTrue();
        assertThat(GitHubSignature.verify(GITHUB_BODY, GitHubSignature.sign("new secret", GITHUB_BODY), rotating)).isTrue();
        assertThat(GitHubSignature.verify(GITHUB_BODY, GITHUB_SIGNATURE, SourceSecrets.of("new secret"))).isFalse();
    }

    @Test
    void githubRefusesOtherSpellingsOfTheDigest() {
        SourceSecrets secrets = SourceSecrets.of(GITHUB_SECRET);
        assertThat(GitHubSignature.verify(GITHUB_BODY, GITHUB_SIGNATURE.toUpperCase(), secrets)).isFalse();
        assertThat(GitHubSignature.verify(GITHUB_BODY, GITHUB_SIGNATURE + " ", secrets)).isFalse();
        assertThat(GitHubSignature.verify(GITHUB_BODY, null, secrets)).isFalse();
        assertThat(GitHubSignature.verify(GITHUB_BODY, "sha1=" + GITHUB_SIGNATURE.substring(7), secrets)).isFalse();
    }

    @Test
    void standardWebhooksKnownAnswer() {
        assertThat(StandardWebhooks.sign(SW_SECRET, SW_ID, Long.parseLong(SW_TIMESTAMP), SW_BODY)).isEqualTo(SW_SIGNATURE);
        assertThat(StandardWebhooks.verify(SW_ID, SW_TIMESTAMP, SW_SIGNATURE, SW_BODY, SourceSecrets.of(SW_SECRET), SW_NOW)).isTrue();
    }

    @Test
    void standardWebhooksRejectsEverySingleBitFlipOfBodySignatureTimestampAndId() {
        SourceSecrets secrets = SourceSecrets.of(SW_SECRET);
        int rejected = 0;
        for (byte[] body : flips(SW_BODY)) {
            assertThat(StandardWebhooks.verify(SW_ID, SW_TIMESTAMP, SW_SIGNATURE, body, secrets, SW_NOW)).isFalse();
            rejected++;
        }
        for (byte[] signature : flips(SW_SIGNATURE.getBytes(StandardCharsets.ISO_8859_1))) {
            String flipped = new String(signature, StandardCharsets.ISO_8859_1);
            assertThat(StandardWebhooks.verify(SW_ID, SW_TIMESTAMP, flipped, SW_BODY, secrets, SW_NOW)).as("signature %s", flipped).isFalse();
            rejected++;
        }
        for (byte[] timestamp : flips(SW_TIMESTAMP.getBytes(StandardCharsets.ISO_8859_1))) {
            String flipped = new String(timestamp, StandardCharsets.ISO_8859_1);
            // judged at the flipped time itself where it is a number, so only the signature can reject it
            Instant now = flipped.matches("[0-9]+") ? Instant.ofEpochSecond(Long.parseLong(flipped)) : SW_NOW;
            assertThat(StandardWebhooks.verify(SW_ID, flipped, SW_SIGNATURE, SW_BODY, secrets, now)).as("timestamp %s", flipped).isFalse();
            rejected++;
        }
        for (byte[] id : flips(SW_ID.getBytes(StandardCharsets.ISO_8859_1))) {
            assertThat(StandardWebhooks.verify(new String(id, StandardCharsets.ISO_8859_1), SW_TIMESTAMP, SW_SIGNATURE, SW_BODY, secrets, SW_NOW)).isFalse();
            rejected++;
        }
        assertThat(rejected).isEqualTo(8 * (SW_BODY.length + SW_SIGNATURE.length() + SW_TIMESTAMP.length() + SW_ID.length()));
    }

    @Test
    void standardWebhooksTimestampMustBeWithinFiveMinutes() {
        SourceSecrets secrets = SourceSecrets.of(SW_SECRET);
        assertThat(StandardWebhooks.verify(SW_ID, SW_TIMESTAMP, SW_SIGNATURE, SW_BODY, secrets, SW_NOW.plusSeconds(300))).isTrue();
        assertThat(StandardWebhooks.verify(SW_ID, SW_TIMESTAMP, SW_SIGNATURE, SW_BODY, secrets, SW_NOW.minusSeconds(300))).isTrue();
        assertThat(StandardWebhooks.verify(SW_ID, SW_TIMESTAMP, SW_SIGNATURE, SW_BODY, secrets, SW_NOW.plusSeconds(301))).isFalse();
        assertThat(StandardWebhooks.verify(SW_ID, SW_TIMESTAMP, SW_SIGNATURE, SW_BODY, secrets, SW_NOW.minusSeconds(301))).isFalse();
    }

    @Test
    void standardWebhooksAcceptsAnyOfSeveralSignaturesAndEitherSecret() {
        String other = SourceSecrets.generate(SourceKind.WEBHOOK, new SecureRandom());
        String header = StandardWebhooks.sign(other, SW_ID, Long.parseLong(SW_TIMESTAMP), SW_BODY) + " " + SW_SIGNATURE;
        assertThat(StandardWebhooks.verify(SW_ID, SW_TIMESTAMP, header, SW_BODY, SourceSecrets.of(SW_SECRET), SW_NOW)).isTrue();
        assertThat(StandardWebhooks.verify(SW_ID, SW_TIMESTAMP, SW_SIGNATURE, SW_BODY, new SourceSecrets(other, SW_SECRET), SW_NOW)).isTrue();
        assertThat(StandardWebhooks.verify(SW_ID, SW_TIMESTAMP, SW_SIGNATURE, SW_BODY, SourceSecrets.of(other), SW_NOW)).isFalse();
        assertThat(StandardWebhooks.verify(SW_ID, SW_TIMESTAMP, "v2," + SW_SIGNATURE.substring(3), SW_BODY, SourceSecrets.of(SW_SECRET), SW_NOW)).isFalse();
    }

    @Test
    void oktaAuthorizationHeaderAndVerificationChallenge() {
        SourceSecrets secrets = new SourceSecrets("current-key", "previous-key");
        assertThat(OktaEventHooks.verify("current-key", secrets)).isTrue();
        assertThat(OktaEventHooks.verify("previous-key", secrets)).isTrue();
        assertThat(OktaEventHooks.verify("current-key ", secrets)).isFalse();
        assertThat(OktaEventHooks.verify(null, secrets)).isFalse();
        for (byte[] flipped : flips("current-key".getBytes(StandardCharsets.ISO_8859_1))) {
            assertThat(OktaEventHooks.verify(new String(flipped, StandardCharsets.ISO_8859_1), secrets)).isFalse();
        }
        assertThat(OktaEventHooks.verificationResponse("PGiNXt5PCnUM_E0nOOeCSp4VWjeY9iKHZJnb0zmmv_Y"))
                .contains("{\"verification\":\"PGiNXt5PCnUM_E0nOOeCSp4VWjeY9iKHZJnb0zmmv_Y\"}");
        assertThat(OktaEventHooks.verificationResponse("a\"b")).contains("{\"verification\":\"a\\\"b\"}");
        assertThat(OktaEventHooks.verificationResponse(null)).isEmpty();
        assertThat(OktaEventHooks.verificationResponse("x".repeat(513))).isEmpty();
        assertThat(OktaEventHooks.verificationResponse("has space")).isEmpty();
    }

    @Test
    void bearerAndBasicCarryTheSecret() {
        SourceSecrets secrets = new SourceSecrets("s3cret", "old");
        assertThat(SharedSecretAuthorization.verify("Bearer s3cret", secrets)).isTrue();
        assertThat(SharedSecretAuthorization.verify("bearer old", secrets)).isTrue();
        String basic = "Basic " + Base64.getEncoder().encodeToString("eventbridge:s3cret".getBytes(StandardCharsets.UTF_8));
        assertThat(SharedSecretAuthorization.verify(basic, secrets)).isTrue();
        assertThat(SharedSecretAuthorization.verify("Basic " + Base64.getEncoder().encodeToString("s3cret:x".getBytes()), secrets)).isFalse();
        assertThat(SharedSecretAuthorization.verify("Basic !!!", secrets)).isFalse();
        assertThat(SharedSecretAuthorization.verify("s3cret", secrets)).isFalse();
        assertThat(SharedSecretAuthorization.verify("Bearer s3cre", secrets)).isFalse();
        for (byte[] flipped : flips("Bearer s3cret".getBytes(StandardCharsets.ISO_8859_1))) {
            String header = new String(flipped, StandardCharsets.ISO_8859_1);
            // flipping the case bit of "Bearer" keeps the scheme (schemes are case-insensitive): the secret still proves it
            if (!header.equalsIgnoreCase("Bearer s3cret")) {
                assertThat(SharedSecretAuthorization.verify(header, secrets)).as(header).isFalse();
            }
        }
    }

    @Test
    void theAuthenticatorUsesEachKindsScheme() {
        Clock clock = Clock.fixed(SW_NOW, ZoneOffset.UTC);
        DeliveryAuthenticator authenticator = new DeliveryAuthenticator(clock);
        assertThat(authenticator.authenticate(SourceKind.GITHUB, DeliveryHeaders.of(Map.of("x-hub-signature-256", GITHUB_SIGNATURE)),
                GITHUB_BODY, SourceSecrets.of(GITHUB_SECRET))).isTrue();
        assertThat(authenticator.authenticate(SourceKind.WEBHOOK, DeliveryHeaders.of(Map.of("Webhook-Id", SW_ID,
                "Webhook-Timestamp", SW_TIMESTAMP, "Webhook-Signature", SW_SIGNATURE)), SW_BODY, SourceSecrets.of(SW_SECRET))).isTrue();
        assertThat(authenticator.authenticate(SourceKind.OKTA, DeliveryHeaders.of(Map.of("Authorization", "k")), new byte[0],
                SourceSecrets.of("k"))).isTrue();
        assertThat(authenticator.authenticate(SourceKind.KUBERNETES_AUDIT, DeliveryHeaders.of(Map.of("authorization", "Bearer k")),
                new byte[0], SourceSecrets.of("k"))).isTrue();
        // a GitHub signature is not a bearer token, nor the other way round
        assertThat(authenticator.authenticate(SourceKind.AWS_CLOUDTRAIL, DeliveryHeaders.of(Map.of("x-hub-signature-256", GITHUB_SIGNATURE)),
                GITHUB_BODY, SourceSecrets.of(GITHUB_SECRET))).isFalse();
        assertThat(authenticator.authenticate(SourceKind.GITHUB, DeliveryHeaders.of(Map.of("authorization", "Bearer " + GITHUB_SECRET)),
                GITHUB_BODY, SourceSecrets.of(GITHUB_SECRET))).isFalse();
        assertThat(authenticator.authenticate(SourceKind.OKTA, DeliveryHeaders.none(), new byte[0], SourceSecrets.of("k"))).isFalse();
    }

    @Test
    void generatedSecretsHaveTheFormEachSenderTakes() {
        String webhook = SourceSecrets.generate(SourceKind.WEBHOOK, new SecureRandom());
        assertThat(webhook).startsWith("whsec_");
        assertThat(StandardWebhooks.key(webhook)).hasSize(32);
        String token = SourceSecrets.generate(SourceKind.GITHUB, new SecureRandom());
        assertThat(token).matches("[A-Za-z0-9_-]{43}");
        assertThat(SourceSecrets.generate(SourceKind.GITHUB, new SecureRandom())).isNotEqualTo(token);
    }

    /** Every variant of the input with exactly one bit flipped. */
    static java.util.List<byte[]> flips(byte[] input) {
        java.util.List<byte[]> all = new java.util.ArrayList<>();
        for (int i = 0; i < input.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] copy = input.clone();
                copy[i] ^= (byte) (1 << bit);
                all.add(copy);
            }
        }
        return all;
    }
}
