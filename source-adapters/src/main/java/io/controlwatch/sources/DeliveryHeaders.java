package io.controlwatch.sources;

import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The HTTP headers of a delivery that the adapters and authenticators read, case-insensitive (HTTP header names are),
 * one value per name (the first, as the vendors send each of these once).
 */
public final class DeliveryHeaders {

    /** Longest header value kept; longer values are kept truncated, which never verifies and never maps. */
    public static final int MAX_VALUE_LENGTH = 8 * 1024;

    private final Map<String, String> values;

    private DeliveryHeaders(Map<String, String> values) {
        this.values = values;
    }

    public static DeliveryHeaders of(Map<String, String> headers) {
        Map<String, String> copy = new TreeMap<>();
        if (headers != null) {
            headers.forEach((name, value) -> {
                if (name != null && value != null) {
                    copy.putIfAbsent(name.toLowerCase(Locale.ROOT),
                            value.length() > MAX_VALUE_LENGTH ? value.substring(0, MAX_VALUE_LENGTH) : value);
                }
            });
        }
        return new DeliveryHeaders(Collections.unmodifiableMap(copy));
    }

    public static DeliveryHeaders none() {
        return of(Map.of());
    }

    public Optional<String> get(String name) {
        return Optional.ofNullable(values.get(name.toLowerCase(Locale.ROOT)));
    }

    public Map<String, String> asMap() {
        return values;
    }
}
