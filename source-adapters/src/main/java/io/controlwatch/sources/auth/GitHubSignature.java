package io.controlwatch.sources.auth;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * GitHub's webhook signature: {@code X-Hub-Signature-256: sha256=<lower-case hex of HMAC-SHA256(secret, raw body)>}.
 * The header is compared as text with the expected value, so any other spelling of the same digest (upper-case hex)
 * is refused, as every single-bit change must be.
 */
public final class GitHubSignature {

    public static final String HEADER = "X-Hub-Signature-256";

    private GitHubSignature() {
    }

    public static String sign(String secret, byte[] body) {
        return "sha256=" + HexFormat.of().formatHex(Hmac.sha256(secret.getBytes(StandardCharsets.UTF_8), body));
    }

    /** Whether the header is the signature of the body with one of the secrets. */
    public static boolean verify(byte[] body, String header, SourceSecrets secrets) {
        if (header == null || header.length() != 71) {
            return false;
        }
        byte[] given = header.getBytes(StandardCharsets.US_ASCII);
        boolean valid = false;
        for (String secret : secrets.all()) {
            // no early exit: which secret matched is not observable in the time taken
            valid |= Hmac.equal(sign(secret, body).getBytes(StandardCharsets.US_ASCII), given);
        }
        return valid;
    }
}
