package io.controlwatch.evidence;

import java.time.Instant;
import java.util.List;

/** Rows for tests. */
public final class Rows {

    private Rows() {
    }

    /** The row of src/test/resources/reference/chain_reference.py. */
    public static EvidenceRow reference() {
        return new EvidenceRow("0b7c1c9e-2f4a-4c39-9d1e-6a3f0e5b7c21", "cc6.1-console-login-mfa", "v-3f9a",
                List.of("CC6.1", "CC6.6"), "high", "FAIL", "mfa not used \u2014 caf\u00e9", null, "user:alice",
                "evt-1", "urn:src:okta", "auth.login", Instant.parse("2026-03-01T12:00:00.123456Z"),
                Instant.parse("2026-03-01T12:00:01Z"), Instant.parse("2026-03-01T12:00:01.500Z"), "soc2-core",
                "1.4.0", List.of("evt-1"), false, true, "source:okta", null);
    }

    /** A row number {@code n} of a control at an event time. */
    public static EvidenceRow row(long n, String controlId, Instant eventTime, String result) {
        String id = String.format("%08x-0000-4000-8000-%012x", n >>> 16, n);
        return new EvidenceRow(id, controlId, "v1", List.of("CC6.1"), "high", result,
                "FAIL".equals(result) ? "no mfa" : null, null, "user:u" + (n % 97), "evt-" + n, "urn:test",
                "auth.login", eventTime, eventTime.plusMillis(20), eventTime.plusMillis(40), "soc2-core", "1.0.0",
                List.of("evt-" + n), false, false, "source:test", null);
    }
}
