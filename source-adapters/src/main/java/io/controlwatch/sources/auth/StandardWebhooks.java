package io.controlwatch.sources.auth;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * Standard Webhooks v1 (standardwebhooks.com): the signed content is {@code <webhook-id>.<webhook-timestamp>.<body>},
 * signed with HMAC-SHA256 under the secret's bytes (the base64 after {@code whsec_}); {@code webhook-signature} is a
 * space-separated list of {@code v1,<base64 signature>} (several while the sender rotates its secret), and the
 * timestamp (seconds since the epoch) must be within {@link #TOLERANCE} of now, which bounds replays.
 */
public final class StandardWebhooks {

    public static final String ID = "webhook-id";
    public static final String TIMESTAMP = "webhook-timestamp";
    public static final String SIGNATURE = "webhook-signature";
    public static final Duration TOLERANCE = Duration.ofMinutes(5);

    private static final String SECRET_PREFIX = "whsec_";
    private static final Pattern TIMESTAMP_FORMAT = Pattern.compile("[0-9]{1,12}");
    private static final int MAX_SIGNATURES = 10;

    private StandardWebhooks() {
    }

    /** The key bytes of a {@code whsec_<base64>} secret (a bare base64 secret is accepted too). */
    public static byte[] key(String secret) {
        String encoded = secret.startsWith(SECRET_PREFIX) ? secret.substring(SECRET_PREFIX.length()) : secret;
        return Base64.getDecoder().decode(encoded);
    }

    /** {@code v1,<base64>} for a message. */
    public static String sign(String secret, String id, long timestamp, byte[] body) {
        byte[] signature = Hmac.sha256(key(secret), (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8), body);
        return "v1," + Base64.getEncoder().encodeToString(signature);
    }

    /**
     * Whether one of the signatures in the header is the v1 signature of the message with one of the secrets, and
     * the timestamp is within the tolerance of {@code now}.
     */
    public static boolean verify(String id, String timestamp, String signatureHeader, byte[] body, SourceSecrets secrets,
                                 Instant now) {
        if (id == null || id.isEmpty() || id.length() > 256 || timestamp == null || signatureHeader == null
                || signatureHeader.length() > 4096 || !TIMESTAMP_FORMAT.matcher(timestamp).matches()) {
            return false;
        }
        long seconds = Long.parseLong(timestamp);
        if (Math.abs(now.getEpochSecond() - seconds) > TOLERANCE.toSeconds()) {
            return false;
        }
        String[] given = signatureHeader.split(" ", MAX_SIGNATURES + 1);
        boolean valid = false;
        for (String secret : secrets.all()) {
            byte[] expected;
            try {
                expected = sign(secret, id, seconds, body).getBytes(StandardCharsets.US_ASCII);
            } catch (IllegalArgumentException notBase64) {
                continue; // a secret that is not whsec_<base64> verifies nothing
            }
            for (int i = 0; i < Math.min(given.length, MAX_SIGNATURES); i++) {
                // textual comparison: another base64 spelling of the same bytes is not the sender's signature
                valid |= Hmac.equal(expected, given[i].getBytes(StandardCharsets.US_ASCII));
            }
        }
        return valid;
    }
}
