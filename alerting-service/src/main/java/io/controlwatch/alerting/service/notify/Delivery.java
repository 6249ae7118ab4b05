package io.controlwatch.alerting.service.notify;

import java.time.Duration;

/**
 * What one delivery attempt came to.
 *
 * @param statusCode HTTP status (or 250 for a mail the SMTP server took, 0 when no answer came)
 * @param retryAfter how long the receiver asked to wait (429 or 503 with {@code Retry-After}); null when it did not
 */
public record Delivery(boolean delivered, int statusCode, long latencyMs, String error, Duration retryAfter) {

    public static Delivery ok(int status, long latencyMs) {
        return new Delivery(true, status, latencyMs, null, null);
    }

    public static Delivery failed(int status, long latencyMs, String error, Duration retryAfter) {
        return new Delivery(false, status, latencyMs, error, retryAfter);
    }
}
