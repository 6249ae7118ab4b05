package io.controlwatch.sources.auth;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Okta event hooks: every request carries the {@code Authorization} header value configured on the hook (an opaque
 * secret, not a token), and the one-time verification {@code GET} carries {@code x-okta-verification-challenge},
 * which the endpoint echoes as {@code {"verification": "<challenge>"}}.
 */
public final class OktaEventHooks {

    public static final String CHALLENGE_HEADER = "x-okta-verification-challenge";
    private static final Pattern CHALLENGE = Pattern.compile("[\\x21-\\x7e]{1,512}");

    private OktaEventHooks() {
    }

    /** Whether the Authorization header is one of the secrets, compared in constant time. */
    public static boolean verify(String authorization, SourceSecrets secrets) {
        if (authorization == null || authorization.length() > 4096) {
            return false;
        }
        byte[] given = authorization.getBytes(StandardCharsets.UTF_8);
        boolean valid = false;
        for (String secret : secrets.all()) {
            valid |= Hmac.equal(secret.getBytes(StandardCharsets.UTF_8), given);
        }
        return valid;
    }

    /**
     * The body answering the verification request, or empty when the challenge is not a plausible one (missing, too
     * long, not printable ASCII); the caller authenticates the request with {@link #verify} first.
     */
    public static Optional<String> verificationResponse(String challenge) {
        if (challenge == null || !CHALLENGE.matcher(challenge).matches()) {
            return Optional.empty();
        }
        return Optional.of(JsonNodeFactory.instance.objectNode().put("verification", challenge).toString());
    }
}
