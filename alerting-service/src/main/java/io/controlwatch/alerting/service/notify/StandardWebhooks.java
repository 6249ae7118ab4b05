package io.controlwatch.alerting.service.notify;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Signatures of the Standard Webhooks specification: {@code v1,<base64 HMAC-SHA256 of "id.timestamp.body">} keyed
 * with the base64 part of a {@code whsec_} secret. With two secrets (rotation) both signatures are sent, space
 * separated, so a receiver that knows either accepts.
 */
public final class StandardWebhooks {

    private StandardWebhooks() {
    }

    public static String signature(List<String> secrets, String id, long timestampSeconds, String body) {
        return secrets.stream().map(s -> sign(s, id, timestampSeconds, body)).collect(Collectors.joining(" "));
    }

    public static String sign(String secret, String id, long timestampSeconds, String body) {
        byte[] key = Base64.getDecoder().decode(secret.startsWith("whsec_") ? secret.substring(6) : secret);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] digest = mac.doFinal((id + "." + timestampSeconds + "." + body).getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
