package io.controlwatch.sources;

import java.time.Instant;
import java.util.Objects;

/**
 * One vendor delivery: the raw body (already decompressed by ingest), the headers the adapters read, the source it
 * was delivered to and when ingest received it (the event time of vendor events that carry none).
 */
public record Delivery(Source source, DeliveryHeaders headers, byte[] body, Instant receivedAt) {

    public Delivery {
        Objects.requireNonNull(source, "source");
        headers = headers == null ? DeliveryHeaders.none() : headers;
        body = body == null ? new byte[0] : body;
        Objects.requireNonNull(receivedAt, "receivedAt");
    }
}
