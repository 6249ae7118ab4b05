package io.controlwatch.sources.auth;

import io.controlwatch.sources.SourceKind;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * The secrets a delivery may be signed or authorised with: the source's current secret and, during the overlap after
 * a rotation, the previous one. Verification accepts either, so senders can switch at their own pace.
 *
 * @param current  the secret shown when the source was created or last rotated
 * @param previous the secret before the last rotation while the overlap lasts, else null
 */
public record SourceSecrets(String current, String previous) {

    public SourceSecrets {
        Objects.requireNonNull(current, "current");
    }

    public static SourceSecrets of(String current) {
        return new SourceSecrets(current, null);
    }

    public List<String> all() {
        List<String> all = new ArrayList<>(2);
        all.add(current);
        if (previous != null) {
            all.add(previous);
        }
        return all;
    }

    /**
     * A new random secret in the form the kind's senders expect: {@code whsec_<base64 of 32 bytes>} for Standard
     * Webhooks, 32 random bytes as URL-safe base64 (43 characters, no padding) otherwise; both fit an HTTP header,
     * the GitHub secret field, the Okta authorization field and a kubeconfig token.
     */
    public static String generate(SourceKind kind, SecureRandom random) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return kind == SourceKind.WEBHOOK ? "whsec_" + Base64.getEncoder().encodeToString(bytes)
                : Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
