package io.controlwatch.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The real vendor fixtures of source-adapters, read where they live (not copied): {@code <kind>/<name>.json} is the
 * payload as the vendor sends it, {@code <name>.expected.json} the delivery's headers and options and the events the
 * adapter must make of it. And signing as each vendor signs, for deliveries over HTTP. Shared by ingest's SourcesIT and
 * the system tests (both run in a module directory beside source-adapters).
 */
public final class VendorFixtures {

    /** Tests run in the module's directory (Maven's basedir). */
    public static final Path ROOT = Path.of("..", "source-adapters", "src", "test", "resources");
    private static final ObjectMapper JSON = new ObjectMapper();

    public record Fixture(byte[] payload, Map<String, String> headers, JsonNode options, JsonNode expectedEvents) {
    }

    private VendorFixtures() {
    }

    public static Fixture read(String kind, String name) {
        try {
            byte[] payload = Files.readAllBytes(ROOT.resolve(kind).resolve(name + ".json"));
            JsonNode expected = JSON.readTree(ROOT.resolve(kind).resolve(name + ".expected.json").toFile());
            Map<String, String> headers = new LinkedHashMap<>();
            expected.path("delivery").path("headers").fields().forEachRemaining(h -> headers.put(h.getKey(), h.getValue().asText()));
            JsonNode options = expected.path("delivery").path("options");
            return new Fixture(payload, headers, options.isObject() ? options : JSON.createObjectNode(), expected.path("events"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** GitHub's {@code X-Hub-Signature-256}. */
    public static String gitHubSignature(String secret, byte[] body) {
        return "sha256=" + HexFormat.of().formatHex(hmac(secret.getBytes(StandardCharsets.UTF_8), body));
    }

    /** Standard Webhooks v1: HMAC-SHA256 of {@code id.timestamp.body} under the key bytes after {@code whsec_}. */
    public static String standardWebhookSignature(String secret, String id, long timestamp, byte[] body) {
        byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
        byte[] prefix = (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
        byte[] signed = new byte[prefix.length + body.length];
        System.arraycopy(prefix, 0, signed, 0, prefix.length);
        System.arraycopy(body, 0, signed, prefix.length, body.length);
        return "v1," + Base64.getEncoder().encodeToString(hmac(key, signed));
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
