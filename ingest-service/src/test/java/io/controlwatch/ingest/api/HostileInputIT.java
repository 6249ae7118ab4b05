package io.controlwatch.ingest.api;

import io.controlwatch.model.Topics;
import io.controlwatch.testsupport.HostileBodies;
import io.controlwatch.testsupport.JwtTestResource;
import io.controlwatch.testsupport.KafkaTestResource;
import io.controlwatch.testsupport.TestKafka;
import io.controlwatch.testsupport.TestTokens;
import io.controlwatch.testsupport.TopicReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

/**
 * What an attacker holding an ingest token tries: every hostile body of {@link HostileBodies} gets its 4xx
 * problem+json, with no stack trace, class name or parser internals in it, and nothing of it reaches Kafka.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = JwtTestResource.class, restrictToAnnotatedClass = true)
class HostileInputIT {

    /** What must never be in an answer: Java internals, parser vocabulary, stack frames. */
    static final Pattern LEAKS = Pattern.compile("(?i)(exception|java\\.|jakarta\\.|com\\.fasterxml|io\\.quarkus|io\\.vertx|"
            + "org\\.jboss|\\bat [a-z]+\\.|jackson|StreamReadConstraints|\\$)");

    @TestHTTPResource("/api/v1/events")
    URI events;

    @Test
    void everyHostileBodyIsRefusedWithAProblemThatLeaksNothing() {
        String marker = "hostile-" + UUID.randomUUID();
        SoftAssertions soft = new SoftAssertions();
        for (HostileBodies.Body body : HostileBodies.all()) {
            Response response = given().auth().oauth2(TestTokens.withRoles("ingest"))
                    .header("X-Test-Marker", marker)
                    .contentType(body.contentType()).body(body.bytes())
                    .when().post("/api/v1/events");
            String answer = response.asString();
            soft.assertThat(response.statusCode()).as(body.name()).isEqualTo(body.expectedStatus());
            soft.assertThat(response.contentType()).as(body.name() + " content type").startsWith("application/problem+json");
            soft.assertThat(answer).as(body.name() + " answer leaks internals").doesNotContainPattern(LEAKS);
            soft.assertThat(answer.length()).as(body.name() + " answer size").isLessThan(32 * 1024);
        }
        soft.assertAll();
    }

    @Test
    void aChunkedBodyOverTheLimitWithoutContentLengthIsRefused() throws Exception {
        byte[] huge = HostileBodies.event("\"data\":{\"pad\":\"" + "x".repeat(3 * 1024 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(events)
                .header("Authorization", "Bearer " + TestTokens.withRoles("ingest"))
                .header("Content-Type", HostileBodies.SINGLE)
                // a stream of unknown length: sent chunked, without Content-Length
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(huge)))
                .timeout(Duration.ofSeconds(30)).build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(response.body()).doesNotContainPattern(LEAKS).contains("payload-too-large");
    }

    @Test
    void refusedEventsNeverReachKafka() {
        String id = "hostile-" + UUID.randomUUID();
        given().auth().oauth2(TestTokens.withRoles("ingest")).contentType(HostileBodies.BATCH)
                .body("[" + HostileBodies.event("\"id\":\"" + id + "\"") + ","
                        + HostileBodies.event("\"type\":\"controlwatch.pack.activated\"") + "]")
                .when().post("/api/v1/events").then().statusCode(403)
                .body("type", equalTo("urn:controlwatch:problem:forbidden-event"))
                .body("errors[0].index", equalTo(1)).body("errors[0].field", equalTo("type"));
        String marker = "marker-" + UUID.randomUUID();
        given().auth().oauth2(TestTokens.withRoles("ingest")).contentType(HostileBodies.SINGLE)
                .body(HostileBodies.event("\"id\":\"" + marker + "\"")).when().post("/api/v1/events").then().statusCode(202);
        List<ConsumerRecord<String, String>> records = TopicReader.readAll(TestKafka.bootstrapServers(), Topics.EVENTS);
        assertThat(records).anyMatch(r -> r.value().contains(marker));
        assertThat(records).noneMatch(r -> r.value().contains(id));
    }

    @Test
    void theSubmitterIsRecordedAndTheSourcesClaimLimitsATokenToItsSources() {
        String limited = TestTokens.token().roles("ingest").subject("github-forwarder")
                .claim("sources", List.of("https://github.com/acme")).sign();
        String ok = UUID.randomUUID().toString();
        given().auth().oauth2(limited).contentType(HostileBodies.SINGLE)
                .body(HostileBodies.event("\"id\":\"" + ok + "\"", "\"source\":\"https://github.com/acme/api\""))
                .when().post("/api/v1/events").then().statusCode(202);
        given().auth().oauth2(limited).contentType(HostileBodies.BATCH)
                .body("[" + HostileBodies.event("\"source\":\"https://github.com/acme/web\"") + ","
                        + HostileBodies.event("\"source\":\"https://login.example-idp.com\"") + "]")
                .when().post("/api/v1/events").then().statusCode(403)
                .body("errors.index", hasItem(1)).body("errors.field", hasItem("source"))
                .body("detail", containsString("none of it was accepted"));

        ConsumerRecord<String, String> stored = TopicReader.readAll(TestKafka.bootstrapServers(), Topics.EVENTS).stream()
                .filter(r -> r.value().contains(ok)).findFirst().orElseThrow();
        assertThat(stored.value()).contains("\"cwsubmitter\":\"github-forwarder\"");
        assertThat(new String(stored.headers().lastHeader("cw-submitter").value(), StandardCharsets.UTF_8))
                .isEqualTo("github-forwarder");
    }

    @Test
    void controlCharactersInsideDataAreAcceptedAsJsonAllowsThem() {
        String id = UUID.randomUUID().toString();
        given().auth().oauth2(TestTokens.withRoles("ingest")).contentType(HostileBodies.SINGLE)
                .body(HostileBodies.event("\"id\":\"" + id + "\"", "\"data\":{\"note\":\"a\\u0000b\\nc\\u007f\"}"))
                .when().post("/api/v1/events").then().statusCode(202);
        assertThat(TopicReader.readAll(TestKafka.bootstrapServers(), Topics.EVENTS))
                .anyMatch(r -> r.value().contains(id) && r.value().contains("a\\u0000b\\nc\u007f"));
    }

    @Test
    void aProblemListsAtMostOneHundredErrorsAndSaysHowManyThereWere() {
        String batch = "[" + String.join(",", java.util.Collections.nCopies(300, "{\"specversion\":\"1.0\"}")) + "]";
        given().auth().oauth2(TestTokens.withRoles("ingest")).contentType(HostileBodies.BATCH).body(batch)
                .when().post("/api/v1/events").then().statusCode(400)
                .body("errors.size()", equalTo(100))
                .body("detail", containsString("The first 100 of 900 problems are listed"));
    }

    @Test
    void unknownQueryParametersAndControlCharactersInThemAreRefused() {
        given().auth().oauth2(TestTokens.withRoles("ingest")).contentType(HostileBodies.SINGLE).body(HostileBodies.event())
                .queryParam("dryRun", "true")
                .when().post("/api/v1/events").then().statusCode(400)
                .body("type", equalTo("urn:controlwatch:problem:invalid-parameter"))
                .body("errors[0].field", equalTo("dryRun"));
    }
}
