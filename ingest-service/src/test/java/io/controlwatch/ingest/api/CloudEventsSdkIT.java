package io.controlwatch.ingest.api;

import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.http.HttpMessageFactory;
import io.cloudevents.jackson.JsonFormat;
import io.controlwatch.model.Topics;
import io.controlwatch.testsupport.JwtTestResource;
import io.controlwatch.testsupport.KafkaTestResource;
import io.controlwatch.testsupport.TestKafka;
import io.controlwatch.testsupport.TestTokens;
import io.controlwatch.testsupport.TopicReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.response.ValidatableResponse;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

/**
 * The CloudEvents HTTP binding as the official Java SDK speaks it: binary mode (its default, and Knative's),
 * structured mode and batches, each sent exactly as the SDK writes it, and found on the events topic as one event.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = JwtTestResource.class, restrictToAnnotatedClass = true)
class CloudEventsSdkIT {

    static final String PROBLEM = "application/problem+json";

    /** What the SDK writes for an event: its headers and its body. */
    record Written(Map<String, String> headers, byte[] body) {
    }

    static Written binary(CloudEvent event) {
        Map<String, String> headers = new LinkedHashMap<>();
        AtomicReference<byte[]> body = new AtomicReference<>(new byte[0]);
        HttpMessageFactory.createWriter(headers::put, body::set).writeBinary(event);
        return new Written(headers, body.get());
    }

    static Written structured(CloudEvent event) {
        Map<String, String> headers = new LinkedHashMap<>();
        AtomicReference<byte[]> body = new AtomicReference<>(new byte[0]);
        HttpMessageFactory.createWriter(headers::put, body::set).writeStructured(event, JsonFormat.CONTENT_TYPE);
        return new Written(headers, body.get());
    }

    /** RestAssured would append a charset to a text Content-Type; the SDK's headers are sent as written. */
    static final RestAssuredConfig AS_WRITTEN = RestAssured.config().encoderConfig(
            EncoderConfig.encoderConfig().appendDefaultContentCharsetToContentTypeIfUndefined(false));

    static ValidatableResponse post(Written written) {
        var request = given().config(AS_WRITTEN).auth().oauth2(TestTokens.withRoles("ingest"));
        for (Map.Entry<String, String> header : written.headers().entrySet()) {
            request = header.getKey().equalsIgnoreCase("content-type")
                    ? request.contentType(header.getValue()) : request.header(header.getKey(), header.getValue());
        }
        return request.body(written.body()).when().post("/api/v1/events").then();
    }

    static CloudEventBuilder login(String id, String user) {
        return CloudEventBuilder.v1().withId(id).withSource(URI.create("https://idp.example.com")).withType("auth.login")
                .withSubject(user).withTime(OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS))
                .withExtension("tenant", "acme")
                .withData("application/json", """
                        {"user":"%s","mfa":false,"outcome":"success"}""".formatted(user).getBytes(StandardCharsets.UTF_8));
    }

    static ConsumerRecord<String, String> onTopic(String id) {
        return TopicReader.readAll(TestKafka.bootstrapServers(), Topics.EVENTS).stream()
                .filter(r -> r.value().contains("\"" + id + "\"")).findFirst().orElseThrow();
    }

    static boolean absent(String id) {
        return TopicReader.readAll(TestKafka.bootstrapServers(), Topics.EVENTS).stream()
                .noneMatch(r -> r.value().contains("\"" + id + "\""));
    }

    @Test
    void aBinaryModeEventFromTheSdkIsOneEventWithItsAttributesAndJsonData() {
        String id = UUID.randomUUID().toString();
        Written written = binary(login(id, "alice@example.com").build());
        assertThat(written.headers()).containsKeys("ce-id", "ce-specversion", "ce-type", "ce-tenant");

        post(written).statusCode(202).body("ids", contains(id));

        ConsumerRecord<String, String> record = onTopic(id);
        assertThat(record.key()).isEqualTo("alice@example.com");
        assertThat(record.value()).contains("\"type\":\"auth.login\"", "\"subject\":\"alice@example.com\"",
                "\"tenant\":\"acme\"", "\"datacontenttype\":\"application/json\"",
                "\"data\":{\"user\":\"alice@example.com\",\"mfa\":false,\"outcome\":\"success\"}",
                "\"cwsubmitter\":");
    }

    @Test
    void binaryDataOfAnotherMediaTypeIsKeptAsBase64() {
        String id = UUID.randomUUID().toString();
        CloudEvent note = CloudEventBuilder.v1().withId(id).withSource(URI.create("urn:test:notes"))
                .withType("acme.test.note").withData("text/plain", "plain words".getBytes(StandardCharsets.UTF_8)).build();

        post(binary(note)).statusCode(202);

        assertThat(onTopic(id).value()).contains("\"datacontenttype\":\"text/plain\"",
                "\"data_base64\":\"cGxhaW4gd29yZHM=\"");
    }

    @Test
    void percentEncodedHeaderValuesAreDecodedAsUtf8() {
        String id = UUID.randomUUID().toString();
        Written written = binary(login(id, "x").build());
        written.headers().put("ce-subject", "caf%C3%A9+cr%C3%A8me");

        post(written).statusCode(202);

        assertThat(onTopic(id).value()).contains("\"subject\":\"café+crème\"");
    }

    @Test
    void structuredModeAndBatchesFromTheSdkAreAcceptedToo() {
        String one = UUID.randomUUID().toString();
        post(structured(login(one, "bob@example.com").build())).statusCode(202).body("ids", contains(one));

        String a = UUID.randomUUID().toString();
        String b = UUID.randomUUID().toString();
        JsonFormat format = new JsonFormat();
        String batch = "[" + new String(format.serialize(login(a, "carol@example.com").build()), StandardCharsets.UTF_8)
                + "," + new String(format.serialize(login(b, "dave@example.com").build()), StandardCharsets.UTF_8) + "]";
        given().auth().oauth2(TestTokens.withRoles("ingest")).contentType("application/cloudevents-batch+json").body(batch)
                .when().post("/api/v1/events").then().statusCode(202).body("ids", contains(a, b));
        assertThat(onTopic(b).key()).isEqualTo("dave@example.com");
    }

    @Test
    void aBinaryEventIsHeldToTheSameRulesAsAStructuredOne() {
        // a missing required attribute names it
        String noSource = UUID.randomUUID().toString();
        Written missing = binary(login(noSource, "erin@example.com").build());
        missing.headers().remove("ce-source");
        post(missing).statusCode(400).contentType(PROBLEM).body("errors.field", org.hamcrest.Matchers.hasItem("source"));

        // the data of a known type must match its schema
        String badData = UUID.randomUUID().toString();
        CloudEvent wrong = login(badData, "erin@example.com")
                .withData("application/json", "{\"user\":\"erin\",\"mfa\":\"maybe\",\"outcome\":\"success\"}"
                        .getBytes(StandardCharsets.UTF_8)).build();
        post(binary(wrong)).statusCode(400).body("detail", org.hamcrest.Matchers.containsString("schema of `auth.login`"));

        // JSON data is parsed as strictly as a structured body
        String dup = UUID.randomUUID().toString();
        CloudEvent duplicated = login(dup, "erin@example.com")
                .withData("application/json", "{\"user\":\"a\",\"user\":\"b\"}".getBytes(StandardCharsets.UTF_8)).build();
        post(binary(duplicated)).statusCode(400).body("type", equalTo("urn:controlwatch:problem:malformed-json"));

        // ControlWatch's own types stay reserved
        String reserved = UUID.randomUUID().toString();
        Written forged = binary(login(reserved, "erin@example.com").build());
        forged.headers().put("ce-type", "controlwatch.pack.activated");
        post(forged).statusCode(403);
        Written submitter = binary(login(reserved, "erin@example.com").build());
        submitter.headers().put("ce-cwsubmitter", "someone-else");
        post(submitter).statusCode(403);

        // the media type of the data is the Content-Type, not a header of its own; escapes must be whole
        Written twice = binary(login(reserved, "erin@example.com").build());
        twice.headers().put("ce-datacontenttype", "application/json");
        post(twice).statusCode(400).body("errors.field", org.hamcrest.Matchers.hasItem("ce-datacontenttype"));
        Written broken = binary(login(reserved, "erin@example.com").build());
        broken.headers().put("ce-subject", "50%");
        post(broken).statusCode(400).body("type", equalTo("urn:controlwatch:problem:invalid-binary-event"));

        // without ce-specversion it is not an event at all
        given().auth().oauth2(TestTokens.withRoles("ingest")).contentType("text/plain").body("hello")
                .when().post("/api/v1/events").then().statusCode(415).contentType(PROBLEM);

        assertThat(absent(noSource)).isTrue();
        assertThat(absent(badData)).isTrue();
        assertThat(absent(dup)).isTrue();
        assertThat(absent(reserved)).isTrue();
    }

    @Test
    void aBinaryEventNeedsTheIngestRole() {
        Written written = binary(login(UUID.randomUUID().toString(), "frank@example.com").build());
        var request = given().auth().oauth2(TestTokens.withRoles("analyst"));
        for (Map.Entry<String, String> header : written.headers().entrySet()) {
            request = request.header(header.getKey(), header.getValue());
        }
        request.body(written.body()).when().post("/api/v1/events").then().statusCode(403);
        given().header("ce-specversion", "1.0").contentType("application/json").body("{}")
                .when().post("/api/v1/events").then().statusCode(401);
    }
}
