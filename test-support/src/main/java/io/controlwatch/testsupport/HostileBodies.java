package io.controlwatch.testsupport;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Request bodies an attacker holding an ingest token would try, each with the answer ingest must give: every one a
 * {@code 4xx} problem, nothing of it stored. Used by the ingest tests, as seeds of the fuzzers and by
 * {@code bench/faults.sh hostile-ingest} (plain JDK only, so the bench tools can use it without the test stack).
 */
public final class HostileBodies {

    public static final String SINGLE = "application/cloudevents+json";
    public static final String BATCH = "application/cloudevents-batch+json";

    /** One hostile body and the status it must get. */
    public record Body(String name, String contentType, byte[] bytes, int expectedStatus) {
        @Override
        public String toString() {
            return name;
        }
    }

    private HostileBodies() {
    }

    /**
     * A valid event of an unmonitored type, with the given attribute fragments ({@code "name":value}) replacing the
     * attribute of that name or added at the end.
     */
    public static String event(String... attributes) {
        java.util.Map<String, String> json = new java.util.LinkedHashMap<>();
        json.put("\"specversion\"", "\"specversion\":\"1.0\"");
        json.put("\"id\"", "\"id\":\"" + UUID.randomUUID() + "\"");
        json.put("\"source\"", "\"source\":\"https://hostile.example.com\"");
        json.put("\"type\"", "\"type\":\"acme.hostile.probe\"");
        json.put("\"time\"", "\"time\":\"" + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "\"");
        for (String attribute : attributes) {
            json.put(attribute.substring(0, attribute.indexOf(':')), attribute);
        }
        return "{" + String.join(",", json.values()) + "}";
    }

    public static List<Body> all() {
        List<Body> bodies = new ArrayList<>();
        // --- malformed JSON ---
        bodies.add(single("empty body", "", 400));
        bodies.add(single("whitespace only", "   \n\t ", 400));
        bodies.add(single("truncated JSON", event().substring(0, 40), 400));
        bodies.add(single("content after the value", event() + " {\"second\":1}", 400));
        bodies.add(single("duplicate top-level key", event().replaceFirst("}$", ",\"id\":\"again\"}"), 400));
        bodies.add(single("duplicate key inside data", event("\"data\":{\"a\":1,\"a\":2}"), 400));
        bodies.add(single("deep nesting", event("\"data\":" + "[".repeat(10_000) + "]".repeat(10_000)), 400));
        bodies.add(single("deep object nesting", event("\"data\":" + "{\"a\":".repeat(5_000) + "1" + "}".repeat(5_000)), 400));
        bodies.add(single("number too long", event("\"data\":{\"n\":" + "9".repeat(5_000) + "}"), 400));
        bodies.add(single("number beyond a double", event("\"data\":{\"n\":1e999999}"), 400));
        bodies.add(single("key too long", event("\"data\":{\"" + "k".repeat(5_000) + "\":1}"), 400));
        bodies.add(new Body("invalid UTF-8", SINGLE, concat(event("\"subject\":\"").getBytes(StandardCharsets.UTF_8),
                new byte[]{(byte) 0xC3, (byte) 0x28, (byte) 0xFF, (byte) 0xFE}, "\"}".getBytes(StandardCharsets.UTF_8)), 400));
        bodies.add(new Body("raw NUL byte in a string", SINGLE, event("\"subject\":\"a\u0000b\"").getBytes(StandardCharsets.UTF_8), 400));
        bodies.add(single("a JSON string, not an event", "\"just a string\"", 400));
        bodies.add(single("a JSON number", "42", 400));
        bodies.add(single("null", "null", 400));
        // --- attributes beyond bounds ---
        bodies.add(single("NUL escaped in id", event("\"id\":\"a\\u0000b\""), 400));
        bodies.add(single("newline in source", event("\"source\":\"https://a.example.com/\\nb\""), 400));
        bodies.add(single("DEL in type", event("\"type\":\"acme.\\u007fdel\""), 400));
        bodies.add(single("tab in subject", event("\"subject\":\"alice\\t@example.com\""), 400));
        bodies.add(single("600 KB id", event("\"id\":\"" + "i".repeat(600 * 1024) + "\""), 400));
        bodies.add(single("id of 257 characters", event("\"id\":\"" + "i".repeat(257) + "\""), 400));
        bodies.add(single("subject of 257 characters", event("\"subject\":\"" + "s".repeat(257) + "\""), 400));
        bodies.add(single("source of 1025 characters", event("\"source\":\"urn:" + "s".repeat(1021) + "\""), 400));
        bodies.add(single("type of 257 characters", event("\"type\":\"" + "t".repeat(257) + "\""), 400));
        bodies.add(single("time far in the future", event("\"time\":\"9999-12-31T00:00:00Z\""), 400));
        bodies.add(single("time beyond year 9999", event("\"time\":\"+300000-01-01T00:00:00Z\""), 400));
        bodies.add(single("time before 1970", event("\"time\":\"0001-01-01T00:00:00Z\""), 400));
        bodies.add(single("time an hour ahead", event("\"time\":\"" + Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS) + "\""), 400));
        bodies.add(single("time not RFC 3339", event("\"time\":\"yesterday\""), 400));
        bodies.add(single("time of 100 characters", event("\"time\":\"2026-01-01T00:00:00." + "1".repeat(70) + "Z\""), 400));
        bodies.add(single("extension with an object value", event("\"tenant\":{\"id\":1}"), 400));
        bodies.add(single("extension with a bad name", event("\"Bad-Name\":\"x\""), 400));
        bodies.add(single("33 extensions", event(extensions(33)), 400));
        bodies.add(single("wrong specversion", event("\"specversion\":\"0.3\""), 400));
        bodies.add(single("id is a number", event("\"id\":12"), 400));
        bodies.add(single("data and data_base64", event("\"data\":{}", "\"data_base64\":\"AA==\""), 400));
        bodies.add(single("known type with the wrong data", event("\"type\":\"auth.login\"", "\"data\":{\"mfa\":\"maybe\"}"), 400));
        // --- batches ---
        bodies.add(batch("batch that is an object", event(), 400));
        bodies.add(batch("empty batch", "[]", 400));
        bodies.add(batch("batch of 1001 events", "[" + String.join(",", java.util.Collections.nCopies(1001, "{}")) + "]", 400));
        bodies.add(batch("batch of nested arrays", "[[" + event() + "]]", 400));
        bodies.add(batch("batch with 500 invalid events", "[" + String.join(",", java.util.Collections.nCopies(500,
                "{\"specversion\":\"1.0\"}")) + "]", 400));
        // --- what only ControlWatch itself may write ---
        bodies.add(single("reserved type", event("\"type\":\"controlwatch.pack.activated\""), 403));
        bodies.add(single("reserved source", event("\"source\":\"urn:controlwatch:evaluation\""), 403));
        bodies.add(single("forged submitter", event("\"cwsubmitter\":\"someone-else\""), 403));
        bodies.add(single("forged backfill flag", event("\"cwbackfill\":true"), 403));
        bodies.add(batch("batch with one reserved type", "[" + event() + "," + event("\"type\":\"controlwatch.deadline\"") + "]", 403));
        // --- transport ---
        bodies.add(new Body("body over 1 MiB", SINGLE, event("\"data\":{\"pad\":\"" + "x".repeat(1024 * 1024) + "\"}")
                .getBytes(StandardCharsets.UTF_8), 413));
        // under the body limit, over what one Kafka record takes once stored: once a 503 "retry later" for ever
        bodies.add(new Body("event larger than a Kafka record", SINGLE, event("\"data\":{\"pad\":\""
                + "x".repeat(1024 * 1024 - 1_000) + "\"}").getBytes(StandardCharsets.UTF_8), 413));
        bodies.add(new Body("wrong media type", "application/json", event().getBytes(StandardCharsets.UTF_8), 415));
        bodies.add(new Body("text/plain", "text/plain", event().getBytes(StandardCharsets.UTF_8), 415));
        return bodies;
    }

    private static String extensions(int count) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < count; i++) {
            s.append(i == 0 ? "" : ",").append("\"ext").append(i).append("\":\"v\"");
        }
        // one fragment that event() appends as it is
        return s.toString();
    }

    private static Body single(String name, String json, int status) {
        return new Body(name, SINGLE, json.getBytes(StandardCharsets.UTF_8), status);
    }

    private static Body batch(String name, String json, int status) {
        return new Body(name, BATCH, json.getBytes(StandardCharsets.UTF_8), status);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
