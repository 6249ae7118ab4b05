package io.controlwatch.alerting.api;

import io.controlwatch.common.api.QueryParams;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

/**
 * Where a keyset page ends: the (event time, id) of its last row, in a form clients pass back as {@code cursor}.
 * Pages of growing tables are keyset pages: a row inserted meanwhile never shifts or repeats a page, and the cost of a
 * page does not grow with its depth (offset paging counted a failure twice while others were being recorded).
 */
record PageCursor(Instant eventTime, UUID id) {

    private static final String VERSION = "v1";

    String encode() {
        long micros = eventTime.getEpochSecond() * 1_000_000L + eventTime.getNano() / 1_000;
        String raw = VERSION + "|" + micros + "|" + id;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    static PageCursor decode(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(value.trim()), StandardCharsets.UTF_8).split("\\|");
            if (parts.length != 3 || !parts[0].equals(VERSION)) {
                throw new IllegalArgumentException();
            }
            long micros = Long.parseLong(parts[1]);
            return new PageCursor(Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L),
                    UUID.fromString(parts[2]));
        } catch (IllegalArgumentException e) {
            throw QueryParams.invalid(name, "is not a cursor this API gave out (pass the 'next' of the previous page)");
        }
    }
}
