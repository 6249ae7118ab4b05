package io.controlwatch.sources.auth;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * The source's secret as senders without a signature scheme can present it: {@code Authorization: Bearer <secret>}
 * (a kube-apiserver audit webhook kubeconfig {@code token}, an EventBridge API destination with an API key named
 * Authorization) or {@code Authorization: Basic base64(<any user>:<secret>)} (an EventBridge connection with basic
 * authorization). The user name of basic authorization is not checked: the secret is what proves the sender.
 */
public final class SharedSecretAuthorization {

    private SharedSecretAuthorization() {
    }

    public static boolean verify(String authorization, SourceSecrets secrets) {
        if (authorization == null || authorization.length() > 4096) {
            return false;
        }
        String presented;
        String lower = authorization.toLowerCase(Locale.ROOT);
        if (lower.startsWith("bearer ")) {
            presented = authorization.substring("bearer ".length());
        } else if (lower.startsWith("basic ")) {
            try {
                String decoded = new String(Base64.getDecoder().decode(authorization.substring("basic ".length())), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                if (colon < 0) {
                    return false;
                }
                presented = decoded.substring(colon + 1);
            } catch (IllegalArgumentException notBase64) {
                return false;
            }
        } else {
            return false;
        }
        byte[] given = presented.getBytes(StandardCharsets.UTF_8);
        boolean valid = false;
        for (String secret : secrets.all()) {
            valid |= Hmac.equal(secret.getBytes(StandardCharsets.UTF_8), given);
        }
        return valid;
    }
}
