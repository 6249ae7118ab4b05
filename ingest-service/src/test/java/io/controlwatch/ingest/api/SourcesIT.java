package io.controlwatch.ingest.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.controlwatch.model.Topics;
import io.controlwatch.testsupport.JwtTestResource;
import io.controlwatch.testsupport.KafkaTestResource;
import io.controlwatch.testsupport.TestKafka;
import io.controlwatch.testsupport.TestTokens;
import io.controlwatch.testsupport.TopicReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

import io.controlwatch.testsupport.VendorFixtures;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

/**
 * The sources resource against a real Kafka broker: registration, a real vendor payload of every kind delivered the
 * vendor's way and found on cw.raw.v1 and cw.events.v1, every way a delivery is refused, rotation, deletion, roles.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = JwtTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = SourcesTestResource.class, restrictToAnnotatedClass = true)
class SourcesIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String PROBLEM = "application/problem+json";

    record Registered(String id, String secret) {
    }

    static RequestSpecification as(String role) {
        return given().auth().oauth2(TestTokens.withRoles(role));
    }

    static Registered register(String kind, Object options) {
        Response response = as("admin").contentType(ContentType.JSON)
                .body(Map.of("kind", kind, "name", "it-" + kind + "-" + UUID.randomUUID(), "options", options))
                .when().post("/api/v1/sources")
                .then().statusCode(201).body("kind", equalTo(kind)).extract().response();
        String id = response.path("id");
        assertThat(response.<String>path("ingestionUrl")).isEqualTo("/api/v1/sources/" + id + "/events");
        assertThat(response.header("Location")).endsWith("/api/v1/sources/" + id);
        return new Registered(id, response.path("secret"));
    }

    /** Delivers a payload signed the way the source's kind signs; returns the answer. */
    static Response deliver(String kind, Registered source, String secret, byte[] body, Map<String, String> headers) {
        RequestSpecification request = given().headers(headers).body(body);
        if (!headers.containsKey("Content-Type")) {
            request = request.contentType(ContentType.JSON);
        }
        switch (kind) {
            case "github" -> request = request.header("X-Hub-Signature-256", VendorFixtures.gitHubSignature(secret, body));
            case "okta" -> request = request.header("Authorization", secret);
            case "webhook" -> {
                String id = "msg_" + UUID.randomUUID();
                long now = Instant.now().getEpochSecond();
                request = request.header("webhook-id", id).header("webhook-timestamp", String.valueOf(now))
                        .header("webhook-signature", VendorFixtures.standardWebhookSignature(secret, id, now, body));
            }
            default -> request = request.header("Authorization", "Bearer " + secret);
        }
        return request.when().post("/api/v1/sources/" + source.id() + "/events").andReturn();
    }

    static List<ConsumerRecord<String, String>> topic(String name) {
        return TopicReader.readAll(TestKafka.bootstrapServers(), name);
    }

    static List<ConsumerRecord<String, String>> rawOf(Registered source) {
        return topic(Topics.RAW).stream().filter(r -> r.key() != null && r.key().startsWith(source.id() + ":")).toList();
    }

    static List<JsonNode> eventsOf(Registered source) {
        List<JsonNode> events = new ArrayList<>();
        for (ConsumerRecord<String, String> r : topic(Topics.EVENTS)) {
            JsonNode event = json(r.value());
            if (("source:" + source.id()).equals(event.path("cwsubmitter").asText())) {
                events.add(event);
            }
        }
        return events;
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Register with the fixture's options, deliver the real payload, find it raw and mapped on the topics. */
    void deliversARealFixture(String kind, String fixture, boolean gzip) throws IOException {
        VendorFixtures.Fixture f = VendorFixtures.read(kind, fixture);
        assertThat(f.expectedEvents()).as("fixture " + fixture + " maps to events").isNotEmpty();
        Registered source = register(kind, f.options());
        byte[] sent = gzip ? gzip(f.payload()) : f.payload();
        Map<String, String> headers = new java.util.HashMap<>(f.headers());
        if (gzip) {
            headers.put("Content-Encoding", "gzip");
        }
        // signatures are over what the vendor signs: the body as sent (GitHub never compresses)
        Response answer = deliver(kind, source, source.secret(), sent, headers);
        assertThat(answer.statusCode()).as(kind + " " + fixture + ": " + answer.asString()).isEqualTo(202);
        String raw = answer.path("raw");

        // the 202 came after the broker's acks: the raw record and the events are there now
        List<ConsumerRecord<String, String>> rawRecords = rawOf(source);
        assertThat(rawRecords).extracting(ConsumerRecord::key).containsExactly(raw);
        ConsumerRecord<String, String> rawRecord = rawRecords.get(0);
        assertThat(rawRecord.value().getBytes(StandardCharsets.ISO_8859_1).length).isPositive();
        assertThat(new String(rawRecord.headers().lastHeader("cw-source-id").value(), StandardCharsets.UTF_8)).isEqualTo(source.id());
        assertThat(rawRecord.headers().lastHeader("authorization")).as("the secret is not kept with the payload").isNull();
        if (!gzip) {
            assertThat(rawRecord.value()).isEqualTo(new String(f.payload(), StandardCharsets.UTF_8));
        }

        List<JsonNode> events = eventsOf(source);
        assertThat(events).hasSize(f.expectedEvents().size());
        for (int i = 0; i < events.size(); i++) {
            JsonNode event = events.get(i);
            JsonNode expected = f.expectedEvents().get(i);
            for (String attribute : List.of("id", "type", "source", "subject")) {
                assertThat(event.path(attribute).asText()).as(fixture + " " + attribute).isEqualTo(expected.path(attribute).asText());
            }
            assertThat(event.path("cwraw").asText()).isEqualTo(raw);
            assertThat(event.path("cwsubmitter").asText()).isEqualTo("source:" + source.id());
        }
        assertThat(answer.<List<String>>path("ids")).containsExactlyElementsOf(
                events.stream().map(e -> e.path("id").asText()).toList());
    }

    static byte[] gzip(byte[] body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(body);
        }
        return out.toByteArray();
    }

    @Test
    void awsCloudTrailEventBridgeDelivery() throws IOException {
        deliversARealFixture("aws-cloudtrail", "ConsoleLogin.iam-user-without-mfa", false);
    }

    @Test
    void awsCloudTrailLogFileGzipped() throws IOException {
        deliversARealFixture("aws-cloudtrail", "CreateUser.log-file", true);
    }

    @Test
    void gitHubWebhook() throws IOException {
        deliversARealFixture("github", "member.added", false);
    }

    @Test
    void oktaEventHook() throws IOException {
        deliversARealFixture("okta", "event-hook.user.session.start", false);
    }

    @Test
    void kubernetesAuditWebhook() throws IOException {
        deliversARealFixture("kubernetes-audit", "clusterrolebinding.cluster-admin", false);
    }

    static byte[] loginEvent(String id) {
        return ("""
                {"specversion":"1.0","id":"%s","source":"https://idp.example.com","type":"auth.login",
                 "subject":"alice@example.com","time":"2026-11-28T09:00:00Z","datacontenttype":"application/json",
                 "data":{"user":"alice@example.com","mfa":false,"outcome":"success"}}""").formatted(id).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void cloudEventsSource() {
        Registered source = register("cloudevents", Map.of());
        String id = UUID.randomUUID().toString();
        Response answer = deliver("cloudevents", source, source.secret(), loginEvent(id),
                Map.of("Content-Type", "application/cloudevents+json"));
        assertThat(answer.statusCode()).as(answer.asString()).isEqualTo(202);
        List<JsonNode> events = eventsOf(source);
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.path("id").asText()).isEqualTo(id);
            assertThat(e.path("type").asText()).isEqualTo("auth.login");
            assertThat(e.path("source").asText()).isEqualTo("https://idp.example.com");
            assertThat(e.path("subject").asText()).isEqualTo("alice@example.com");
            assertThat(e.path("cwraw").asText()).isEqualTo(answer.<String>path("raw"));
        });
        assertThat(rawOf(source)).hasSize(1);
    }

    @Test
    void standardWebhookSourceWithItsFallbackSource() {
        Registered source = register("webhook", Map.of());
        assertThat(source.secret()).startsWith("whsec_");
        byte[] body = """
                {"type":"backup.completed","timestamp":"2026-03-02T03:10:00Z","data":{"system":"orders-db","status":"failed"}}"""
                .getBytes(StandardCharsets.UTF_8);
        Response answer = deliver("webhook", source, source.secret(), body, Map.of());
        assertThat(answer.statusCode()).as(answer.asString()).isEqualTo(202);
        assertThat(eventsOf(source)).singleElement().satisfies(e -> {
            assertThat(e.path("type").asText()).isEqualTo("backup.completed");
            // the source's own urn:controlwatch:source:<id>, reserved for everyone else
            assertThat(e.path("source").asText()).isEqualTo("urn:controlwatch:source:" + source.id());
            assertThat(e.path("id").asText()).startsWith("webhook:msg_");
            assertThat(e.path("cwraw").asText()).isEqualTo(answer.<String>path("raw"));
        });
    }

    @Test
    void aDeliveryLargerThanKafkaTakesIsA413NotA503() {
        Registered source = register("cloudevents", Map.of());
        // under the 1 MiB body limit, over what one record of cw.raw.v1 may hold (cw.ingest.max-event-bytes)
        String padding = "x".repeat(1_040_000);
        byte[] body = ("{\"specversion\":\"1.0\",\"id\":\"" + UUID.randomUUID() + "\",\"source\":\"urn:big\","
                + "\"type\":\"big.thing\",\"data\":{\"pad\":\"" + padding + "\"}}").getBytes(StandardCharsets.UTF_8);
        Response answer = deliver("cloudevents", source, source.secret(), body,
                Map.of("Content-Type", "application/cloudevents+json"));
        assertThat(answer.statusCode()).as(answer.asString()).isEqualTo(413);
        assertThat(answer.<String>path("type")).isEqualTo("urn:controlwatch:problem:payload-too-large");
        assertThat(rawOf(source)).isEmpty();
        assertThat(eventsOf(source)).isEmpty();
    }

    @Test
    void aWrongSecretOrSignatureIsOne401AndNothingIsStored() {
        VendorFixtures.Fixture f = VendorFixtures.read("github", "member.added");
        Registered github = register("github", f.options());
        Registered bearer = register("cloudevents", Map.of());
        Registered webhook = register("webhook", Map.of());
        String otherWebhookSecret = register("webhook", Map.of()).secret();

        List<Response> refused = List.of(
                deliver("github", github, "not-the-secret", f.payload(), f.headers()),
                given().headers(f.headers()).contentType(ContentType.JSON).body(f.payload())
                        .post("/api/v1/sources/" + github.id() + "/events").andReturn(),
                deliver("cloudevents", bearer, bearer.secret() + "x", loginEvent(UUID.randomUUID().toString()),
                        Map.of("Content-Type", "application/cloudevents+json")),
                // a valid ControlWatch JWT is not a source secret
                given().auth().oauth2(TestTokens.withRoles("ingest", "admin")).contentType("application/cloudevents+json")
                        .body(loginEvent(UUID.randomUUID().toString())).post("/api/v1/sources/" + bearer.id() + "/events").andReturn(),
                deliver("webhook", webhook, otherWebhookSecret, "{\"type\":\"backup.completed\",\"data\":{}}".getBytes(StandardCharsets.UTF_8), Map.of()),
                deliver("cloudevents", new Registered("src_doesnotexist", bearer.secret()), bearer.secret(),
                        loginEvent(UUID.randomUUID().toString()), Map.of("Content-Type", "application/cloudevents+json")));
        String type = null;
        for (Response r : refused) {
            assertThat(r.statusCode()).as(r.asString()).isEqualTo(401);
            assertThat(r.contentType()).startsWith(PROBLEM);
            type = type == null ? r.path("type") : type;
            assertThat(r.<String>path("type")).as("one problem type whatever the reason").isEqualTo(type);
        }
        for (Registered s : List.of(github, bearer, webhook)) {
            assertThat(rawOf(s)).isEmpty();
            assertThat(eventsOf(s)).isEmpty();
        }
    }

    @Test
    void aPayloadNotOfTheKindIs400AndKeptRaw() {
        Registered source = register("kubernetes-audit", Map.of());
        Response answer = deliver("kubernetes-audit", source, source.secret(), "{\"kind\":\"Pod\"}".getBytes(StandardCharsets.UTF_8), Map.of());
        assertThat(answer.statusCode()).as(answer.asString()).isEqualTo(400);
        assertThat(answer.contentType()).startsWith(PROBLEM);
        assertThat(answer.<String>path("type")).endsWith("unmappable-delivery");
        assertThat(rawOf(source)).hasSize(1);
        assertThat(eventsOf(source)).isEmpty();
    }

    @Test
    void aCloudEventsSourceMayNotUseControlWatchsOwnAttributes() {
        Registered source = register("cloudevents", Map.of());
        String forged = new String(loginEvent(UUID.randomUUID().toString()), StandardCharsets.UTF_8)
                .replace("\"type\":\"auth.login\"", "\"type\":\"controlwatch.source.deleted\"");
        Response answer = deliver("cloudevents", source, source.secret(), forged.getBytes(StandardCharsets.UTF_8),
                Map.of("Content-Type", "application/cloudevents+json"));
        assertThat(answer.statusCode()).as(answer.asString()).isEqualTo(403);
        assertThat(eventsOf(source)).isEmpty();
    }

    @Test
    void unknownOptionsAndKindsAreNamedIn400s() {
        as("admin").contentType(ContentType.JSON)
                .body(Map.of("kind", "github", "name", "typo", "options", Map.of("protectedBranchez", List.of("main"))))
                .when().post("/api/v1/sources")
                .then().statusCode(400).contentType(PROBLEM)
                .body("errors.message", hasItem(org.hamcrest.Matchers.containsString("protectedBranchez")));
        as("admin").contentType(ContentType.JSON)
                .body(Map.of("kind", "github", "name", "wrong type", "options", Map.of("protectedBranches", "main")))
                .when().post("/api/v1/sources")
                .then().statusCode(400).body("detail", org.hamcrest.Matchers.containsString("protectedBranches"));
        as("admin").contentType(ContentType.JSON).body(Map.of("kind", "gitlab", "name", "x"))
                .when().post("/api/v1/sources")
                .then().statusCode(400).body("errors.field", hasItem("kind"));
        as("admin").contentType(ContentType.JSON).body(Map.of("kind", "okta", "name", "x", "secret", "mine"))
                .when().post("/api/v1/sources")
                .then().statusCode(400).body("errors.field", hasItem("secret"));
    }

    @Test
    void rotationKeepsThePreviousSecretForTheOverlapOnly() {
        Registered source = register("cloudevents", Map.of());
        String newSecret = as("admin").when().post("/api/v1/sources/" + source.id() + "/rotate")
                .then().statusCode(200).extract().path("secret");
        assertThat(newSecret).isNotEqualTo(source.secret());
        Map<String, String> ce = Map.of("Content-Type", "application/cloudevents+json");
        assertThat(deliver("cloudevents", source, newSecret, loginEvent(UUID.randomUUID().toString()), ce).statusCode()).isEqualTo(202);
        assertThat(deliver("cloudevents", source, source.secret(), loginEvent(UUID.randomUUID().toString()), ce).statusCode())
                .as("the previous secret during the overlap").isEqualTo(202);
        await().atMost(Duration.ofSeconds(SourcesTestResource.OVERLAP_SECONDS + 10)).pollInterval(Duration.ofMillis(500))
                .until(() -> deliver("cloudevents", source, source.secret(), loginEvent(UUID.randomUUID().toString()), ce).statusCode() == 401);
        assertThat(deliver("cloudevents", source, newSecret, loginEvent(UUID.randomUUID().toString()), ce).statusCode()).isEqualTo(202);
    }

    @Test
    void aDeletedSourceIsRefusedAndGone() {
        Registered source = register("cloudevents", Map.of());
        as("admin").when().delete("/api/v1/sources/" + source.id()).then().statusCode(204);
        assertThat(deliver("cloudevents", source, source.secret(), loginEvent(UUID.randomUUID().toString()),
                Map.of("Content-Type", "application/cloudevents+json")).statusCode()).isEqualTo(401);
        as("admin").when().get("/api/v1/sources/" + source.id()).then().statusCode(404).contentType(PROBLEM);
        as("admin").when().delete("/api/v1/sources/" + source.id()).then().statusCode(404);
        as("admin").when().post("/api/v1/sources/" + source.id() + "/rotate").then().statusCode(404);
        as("admin").when().get("/api/v1/sources").then().statusCode(200).body("items.id", not(hasItem(source.id())));
    }

    @Test
    void everyChangeIsAnAuditEvent() {
        Registered source = register("okta", Map.of());
        as("admin").when().post("/api/v1/sources/" + source.id() + "/rotate").then().statusCode(200);
        as("admin").when().delete("/api/v1/sources/" + source.id()).then().statusCode(204);
        List<JsonNode> audit = topic(Topics.EVENTS).stream().map(r -> json(r.value()))
                .filter(e -> source.id().equals(e.path("subject").asText()) && e.path("type").asText().startsWith("controlwatch.source."))
                .toList();
        assertThat(audit).extracting(e -> e.path("type").asText())
                .containsExactly("controlwatch.source.registered", "controlwatch.source.secret-rotated", "controlwatch.source.deleted");
        assertThat(audit).allSatisfy(e -> {
            assertThat(e.path("source").asText()).isEqualTo("urn:controlwatch:ingest");
            assertThat(e.path("data").path("kind").asText()).isEqualTo("okta");
            assertThat(e.toString()).doesNotContain(source.secret());
        });
    }

    @Test
    void oktaVerificationEchoesTheChallengeOnlyWithTheSecret() {
        Registered source = register("okta", Map.of());
        given().header("Authorization", source.secret()).header("x-okta-verification-challenge", "chAll3nge")
                .when().get("/api/v1/sources/" + source.id() + "/events")
                .then().statusCode(200).body("verification", equalTo("chAll3nge"));
        given().header("Authorization", "wrong").header("x-okta-verification-challenge", "chAll3nge")
                .when().get("/api/v1/sources/" + source.id() + "/events")
                .then().statusCode(401).contentType(PROBLEM);
        Registered github = register("github", Map.of());
        given().header("Authorization", github.secret()).header("x-okta-verification-challenge", "chAll3nge")
                .when().get("/api/v1/sources/" + github.id() + "/events")
                .then().statusCode(401);
    }

    @Test
    void secretsAreNeverReadBackNorLogged() throws IOException {
        Registered source = register("github", Map.of("protectedBranches", List.of("main")));
        String rotated = as("admin").when().post("/api/v1/sources/" + source.id() + "/rotate").then().extract().path("secret");
        for (String role : List.of("admin", "auditor")) {
            String one = as(role).when().get("/api/v1/sources/" + source.id()).then().statusCode(200)
                    .body("kind", equalTo("github")).body("options.protectedBranches", hasItem("main")).extract().asString();
            String all = as(role).when().get("/api/v1/sources").then().statusCode(200).extract().asString();
            for (String answer : List.of(one, all)) {
                assertThat(answer).doesNotContain(source.secret()).doesNotContain(rotated).doesNotContain("\"secret\"");
            }
        }
        deliver("github", source, "wrong", "{}".getBytes(StandardCharsets.UTF_8), Map.of("X-GitHub-Event", "ping"));
        String log = Files.readString(Path.of(SourcesTestResource.LOG_FILE));
        assertThat(log).contains("CW001001").contains(source.id()).doesNotContain(source.secret()).doesNotContain(rotated);
        // nor in clear on the registry topic
        assertThat(topic(Topics.SOURCES)).filteredOn(r -> source.id().equals(r.key())).isNotEmpty()
                .allSatisfy(r -> assertThat(r.value()).doesNotContain(source.secret()).doesNotContain(rotated));
    }

    @Test
    void rolesDecideWhoManagesAndWhoReadsSources() {
        for (String role : List.of("ingest", "analyst", "oncall", "auditor")) {
            as(role).contentType(ContentType.JSON).body(Map.of("kind", "okta", "name", "x"))
                    .when().post("/api/v1/sources").then().statusCode(403);
            as(role).when().post("/api/v1/sources/src_x/rotate").then().statusCode(403);
            as(role).when().delete("/api/v1/sources/src_x").then().statusCode(403);
            as(role).when().post("/api/v1/sources/src_x/disable").then().statusCode(403);
            as(role).when().post("/api/v1/sources/src_x/enable").then().statusCode(403);
            as(role).contentType(ContentType.JSON).body(Map.of("backfilling", true)).queryParam("source", "https://x")
                    .when().put("/api/v1/sources/backfill").then().statusCode(403);
        }
        given().when().post("/api/v1/sources/src_x/disable").then().statusCode(401);
        given().contentType(ContentType.JSON).body(Map.of("backfilling", true)).queryParam("source", "https://x")
                .when().put("/api/v1/sources/backfill").then().statusCode(401);
        as("ingest").when().get("/api/v1/sources").then().statusCode(403);
        as("ingest").when().get("/api/v1/sources/src_x").then().statusCode(403);
        // every person reads the sources and their activity (the console's sources page); only admins change them
        for (String role : List.of("analyst", "oncall", "auditor", "admin")) {
            as(role).when().get("/api/v1/sources").then().statusCode(200);
            as(role).when().get("/api/v1/sources/src_x").then().statusCode(404);
        }
        given().when().get("/api/v1/sources").then().statusCode(401);
    }

    // ---- activity, delay, backfill, disable (issue 8 items 2-4, issue 12 item 6) ----

    static final String SINGLE = "application/cloudevents+json";
    static final String BATCH = "application/cloudevents-batch+json";

    static String event(String id, String source, Instant time) {
        return """
                {"specversion":"1.0","id":"%s","source":"%s","type":"auth.login","subject":"alice@example.com",
                 "time":"%s","datacontenttype":"application/json",
                 "data":{"user":"alice@example.com","mfa":true,"outcome":"success"}}""".formatted(id, source, time);
    }

    static Response submit(String contentType, String body) {
        return as("ingest").contentType(contentType).body(body).when().post("/api/v1/events").andReturn();
    }

    static Response binary(String id, String source, Instant time) {
        return as("ingest").header("ce-specversion", "1.0").header("ce-id", id).header("ce-source", source)
                .header("ce-type", "auth.login").header("ce-subject", "alice@example.com").header("ce-time", time.toString())
                .contentType(ContentType.JSON).body("{\"user\":\"alice@example.com\",\"mfa\":true,\"outcome\":\"success\"}")
                .when().post("/api/v1/events").andReturn();
    }

    static JsonNode observed(String source) {
        String body = as("auditor").queryParam("source", source).when().get("/api/v1/sources")
                .then().statusCode(200).extract().asString();
        JsonNode page = json(body);
        assertThat(page.path("items")).hasSize(1);
        return page.path("items").get(0);
    }

    static JsonNode storedEvent(String id) {
        return topic(Topics.EVENTS).stream().map(r -> json(r.value())).filter(e -> id.equals(e.path("id").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("event " + id + " not on " + Topics.EVENTS));
    }

    @Test
    void everyEntryPointFeedsTheSourcesActivityAndDelay() {
        String source = "https://poller.example.com/" + UUID.randomUUID();
        Instant fourMinutesAgo = Instant.now().minusSeconds(240);
        assertThat(submit(SINGLE, event(UUID.randomUUID().toString(), source, fourMinutesAgo)).statusCode()).isEqualTo(202);
        assertThat(submit(BATCH, "[" + event(UUID.randomUUID().toString(), source, fourMinutesAgo) + ","
                + event(UUID.randomUUID().toString(), source, fourMinutesAgo) + "]").statusCode()).isEqualTo(202);
        assertThat(binary(UUID.randomUUID().toString(), source, fourMinutesAgo).statusCode()).isEqualTo(202);
        Registered registered = register("cloudevents", Map.of());
        Response delivered = deliver("cloudevents", registered, registered.secret(),
                event(UUID.randomUUID().toString(), source, fourMinutesAgo).getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", SINGLE));
        assertThat(delivered.statusCode()).as(delivered.asString()).isEqualTo(202);

        JsonNode item = observed(source);
        assertThat(item.path("source").asText()).isEqualTo(source);
        assertThat(item.path("id").isNull()).isTrue();
        JsonNode activity = item.path("activity");
        assertThat(activity.path("events").asLong()).isEqualTo(5);
        assertThat(Instant.parse(activity.path("lastEventTime").asText())).isEqualTo(fourMinutesAgo);
        assertThat(Instant.parse(activity.path("lastIngestTime").asText())).isAfter(fourMinutesAgo.plusSeconds(239));
        // all five were about 4 minutes late: the quantiles are in the (120 s, 300 s] bucket
        assertThat(activity.path("delayP50Seconds").asDouble()).isBetween(120.0, 300.0);
        assertThat(activity.path("delayP99Seconds").asDouble()).isBetween(120.0, 300.0);
        assertThat(activity.path("idle").asBoolean()).isFalse();
        assertThat(activity.path("backfilling").asBoolean()).isFalse();

        // the registered source's own view: its delivery, its events
        JsonNode one = json(as("admin").when().get("/api/v1/sources/" + registered.id()).then().statusCode(200).extract().asString());
        assertThat(one.path("activity").path("events").asLong()).isEqualTo(1);
        assertThat(one.path("lastDelivery").path("outcome").asText()).isEqualTo("accepted");
        assertThat(one.path("lastDelivery").path("events").asInt()).isEqualTo(1);
        assertThat(one.path("lastError").isNull()).isTrue();

        String metrics = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("cw_source_delay_seconds_bucket{source=\"" + source + "\",le=\"300.0\"} 5")
                .contains("cw_source_delay_seconds_bucket{source=\"" + source + "\",le=\"120.0\"} 0")
                .contains("cw_source_events_produced_total{source_id=\"" + registered.id() + "\"} 1.0")
                .contains("cw_source_payloads_total{outcome=\"accepted\",source_id=\"" + registered.id() + "\"} 1.0");

        as("auditor").queryParam("source", "https://never-seen.example.com/" + UUID.randomUUID())
                .when().get("/api/v1/sources").then().statusCode(404).contentType(PROBLEM);
    }

    @Test
    void theListIsAKeysetPageOfRegisteredThenObservedSources() {
        Registered a = register("cloudevents", Map.of());
        String observedSource = "https://paged.example.com/" + UUID.randomUUID();
        assertThat(submit(SINGLE, event(UUID.randomUUID().toString(), observedSource, Instant.now())).statusCode()).isEqualTo(202);
        List<JsonNode> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            RequestSpecification request = as("auditor").queryParam("limit", 2);
            if (cursor != null) {
                request = request.queryParam("cursor", cursor);
            }
            JsonNode page = json(request.when().get("/api/v1/sources").then().statusCode(200).extract().asString());
            assertThat(page.path("items").size()).isBetween(0, 2);
            page.path("items").forEach(seen::add);
            cursor = page.path("next").isNull() ? null : page.path("next").asText();
            assertThat(page.path("hasMore").asBoolean()).isEqualTo(cursor != null);
            pages++;
        } while (cursor != null && pages < 1000);
        List<String> keys = seen.stream().map(i -> i.path("id").isNull() ? "o:" + i.path("source").asText() : "r:" + i.path("id").asText()).toList();
        assertThat(keys).doesNotHaveDuplicates().contains("r:" + a.id(), "o:" + observedSource);
        // registered first, then observed
        assertThat(keys.indexOf("r:" + a.id())).isLessThan(keys.indexOf("o:" + observedSource));
        assertThat(pages).isGreaterThan(1);
        as("auditor").queryParam("cursor", "bm90LWEtY3Vyc29y").when().get("/api/v1/sources").then().statusCode(400).contentType(PROBLEM);
        as("auditor").queryParam("limit", 0).when().get("/api/v1/sources").then().statusCode(400).contentType(PROBLEM);
        as("auditor").queryParam("kind", "github").queryParam("source", observedSource)
                .when().get("/api/v1/sources").then().statusCode(400).contentType(PROBLEM);
    }

    @Test
    void aBackfillingSourcesEventsAreStampedOnEveryEntryPointUntilTheMarkEnds() {
        String source = "https://hr.example.com/" + UUID.randomUUID();
        Instant monthAgo = Instant.now().minus(Duration.ofDays(30));
        String before = UUID.randomUUID().toString();
        assertThat(submit(SINGLE, event(before, source, monthAgo)).statusCode()).isEqualTo(202);

        JsonNode marked = json(as("admin").contentType(ContentType.JSON).queryParam("source", source)
                .body(Map.of("backfilling", true, "reason", "30 days of history for the audit period"))
                .when().put("/api/v1/sources/backfill").then().statusCode(200).extract().asString());
        assertThat(marked.path("source").asText()).isEqualTo(source);
        assertThat(marked.path("activity").path("backfilling").asBoolean()).isTrue();
        assertThat(marked.path("backfill").path("reason").asText()).isEqualTo("30 days of history for the audit period");
        assertThat(marked.path("backfill").path("updatedBy").asText()).isNotBlank();

        String single = UUID.randomUUID().toString();
        String batched = UUID.randomUUID().toString();
        String bin = UUID.randomUUID().toString();
        String viaSource = UUID.randomUUID().toString();
        assertThat(submit(SINGLE, event(single, source, monthAgo)).statusCode()).isEqualTo(202);
        assertThat(submit(BATCH, "[" + event(batched, source, monthAgo) + "]").statusCode()).isEqualTo(202);
        assertThat(binary(bin, source, monthAgo).statusCode()).isEqualTo(202);
        Registered registered = register("cloudevents", Map.of());
        assertThat(deliver("cloudevents", registered, registered.secret(), event(viaSource, source, monthAgo)
                .getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", SINGLE)).statusCode()).isEqualTo(202);
        for (String id : List.of(single, batched, bin, viaSource)) {
            assertThat(storedEvent(id).path("cwbackfill").isBoolean()).as(id).isTrue();
            assertThat(storedEvent(id).path("cwbackfill").asBoolean()).as(id).isTrue();
        }
        assertThat(storedEvent(before).has("cwbackfill")).as("accepted before the mark").isFalse();
        // another source's events are not touched
        String other = UUID.randomUUID().toString();
        submit(SINGLE, event(other, "https://other.example.com/" + UUID.randomUUID(), Instant.now()));
        assertThat(storedEvent(other).has("cwbackfill")).isFalse();

        JsonNode during = observed(source);
        assertThat(during.path("activity").path("backfilling").asBoolean()).isTrue();
        assertThat(during.path("activity").path("events").asLong()).isEqualTo(5);
        // the month-old history is not a delay: only the first (unmarked) event's is measured
        assertThat(during.path("activity").path("delayP50Seconds").asDouble()).isGreaterThan(604800.0);

        // durable: on the registry topic every instance reads, with its audit event
        assertThat(topic(Topics.SOURCES)).filteredOn(r -> ("backfill:" + source).equals(r.key()))
                .anySatisfy(r -> assertThat(json(r.value()).path("backfilling").asBoolean()).isTrue());

        as("admin").contentType(ContentType.JSON).queryParam("source", source).body(Map.of("backfilling", false))
                .when().put("/api/v1/sources/backfill").then().statusCode(200).body("activity.backfilling", equalTo(false))
                .body("backfill.backfilling", equalTo(false));
        String after = UUID.randomUUID().toString();
        assertThat(submit(SINGLE, event(after, source, Instant.now())).statusCode()).isEqualTo(202);
        assertThat(storedEvent(after).has("cwbackfill")).isFalse();

        List<JsonNode> audit = topic(Topics.EVENTS).stream().map(r -> json(r.value()))
                .filter(e -> e.path("type").asText().startsWith("controlwatch.source.backfill")
                        && source.equals(e.path("data").path("source").asText())).toList();
        assertThat(audit).extracting(e -> e.path("type").asText())
                .containsExactly("controlwatch.source.backfill-started", "controlwatch.source.backfill-ended");
        assertThat(audit).allSatisfy(e -> assertThat(e.path("source").asText()).isEqualTo("urn:controlwatch:ingest"));
        // setting the state it has changes nothing
        as("admin").contentType(ContentType.JSON).queryParam("source", source).body(Map.of("backfilling", false))
                .when().put("/api/v1/sources/backfill").then().statusCode(200);
        assertThat(topic(Topics.EVENTS).stream().map(r -> json(r.value()))
                .filter(e -> e.path("type").asText().startsWith("controlwatch.source.backfill")
                        && source.equals(e.path("data").path("source").asText()))).hasSize(2);
    }

    @Test
    void aClientCannotMarkItsOwnEventsBackfilled() {
        String source = "https://idp.example.com/" + UUID.randomUUID();
        String forged = event(UUID.randomUUID().toString(), source, Instant.now()).replace("\"time\"", "\"cwbackfill\":true,\"time\"");
        Response answer = submit(SINGLE, forged);
        assertThat(answer.statusCode()).as(answer.asString()).isEqualTo(403);
        assertThat(answer.contentType()).startsWith(PROBLEM);
    }

    @Test
    void invalidBackfillMarksAreNamedIn400s() {
        for (Map.Entry<Object, String> bad : List.<Map.Entry<Object, String>>of(
                Map.entry(Map.of("backfilling", "yes"), "backfilling"),
                Map.entry(Map.of("reason", "no flag"), "backfilling"),
                Map.entry(Map.of("backfilling", true, "until", "tomorrow"), "until"),
                Map.entry(Map.of("backfilling", true, "reason", "x".repeat(501)), "reason"))) {
            as("admin").contentType(ContentType.JSON).queryParam("source", "https://x.example.com").body(bad.getKey())
                    .when().put("/api/v1/sources/backfill").then().statusCode(400).contentType(PROBLEM)
                    .body("errors.field", hasItem(bad.getValue()));
        }
        as("admin").contentType(ContentType.JSON).body(Map.of("backfilling", true))
                .when().put("/api/v1/sources/backfill").then().statusCode(400).contentType(PROBLEM);
        as("admin").contentType(ContentType.JSON).queryParam("source", "urn:controlwatch:ingest").body(Map.of("backfilling", true))
                .when().put("/api/v1/sources/backfill").then().statusCode(400).contentType(PROBLEM);
    }

    @Test
    void farFutureTimesAreRefusedAtEveryEntryPoint() {
        String source = "https://clock-skewed.example.com/" + UUID.randomUUID();
        Instant farFuture = Instant.parse("9999-12-31T00:00:00Z");
        Instant justOverSkew = Instant.now().plus(Duration.ofMinutes(6)); // cw.ingest.bounds.max-future-skew is 5m
        List<Response> refused = new ArrayList<>();
        for (Instant future : List.of(farFuture, justOverSkew)) {
            refused.add(submit(SINGLE, event(UUID.randomUUID().toString(), source, future)));
            refused.add(submit(BATCH, "[" + event(UUID.randomUUID().toString(), source, Instant.now()) + ","
                    + event(UUID.randomUUID().toString(), source, future) + "]"));
            refused.add(binary(UUID.randomUUID().toString(), source, future));
            Registered registered = register("cloudevents", Map.of());
            refused.add(deliver("cloudevents", registered, registered.secret(),
                    event(UUID.randomUUID().toString(), source, future).getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", SINGLE)));
        }
        for (Response r : refused) {
            assertThat(r.statusCode()).as(r.asString()).isEqualTo(400);
            assertThat(r.contentType()).startsWith(PROBLEM);
            assertThat(r.asString()).contains("time");
        }
        // nothing of them was accepted
        assertThat(topic(Topics.EVENTS).stream().map(r -> json(r.value())).filter(e -> source.equals(e.path("source").asText()))).isEmpty();
        assertThat(submit(SINGLE, event(UUID.randomUUID().toString(), source, Instant.now().plusSeconds(60))).statusCode())
                .as("within the skew").isEqualTo(202);
    }

    @Test
    void aDisabledSourceIsRefusedWith403CountedAndShownUntilEnabled() {
        Registered source = register("cloudevents", Map.of());
        Map<String, String> ce = Map.of("Content-Type", SINGLE);
        as("admin").when().post("/api/v1/sources/" + source.id() + "/disable").then().statusCode(200)
                .body("disabled", equalTo(true)).body("disabledBy", org.hamcrest.Matchers.notNullValue());
        String refusedId = UUID.randomUUID().toString();
        Response refused = deliver("cloudevents", source, source.secret(), loginEvent(refusedId), ce);
        assertThat(refused.statusCode()).as(refused.asString()).isEqualTo(403);
        assertThat(refused.<String>path("type")).endsWith("source-disabled");
        assertThat(deliver("cloudevents", source, "wrong", loginEvent(UUID.randomUUID().toString()), ce).statusCode())
                .as("a wrong secret learns nothing, not even that it is disabled").isEqualTo(401);
        assertThat(rawOf(source)).isEmpty();
        assertThat(eventsOf(source)).isEmpty();

        JsonNode shown = json(as("auditor").when().get("/api/v1/sources/" + source.id()).then().statusCode(200).extract().asString());
        assertThat(shown.path("disabled").asBoolean()).isTrue();
        assertThat(shown.path("lastDelivery").path("outcome").asText()).isEqualTo("unauthenticated");
        assertThat(shown.path("lastError").path("reason").asText()).contains("401");
        String metrics = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("cw_source_payloads_total{outcome=\"disabled\",source_id=\"" + source.id() + "\"} 1.0")
                .contains("cw_source_payloads_total{outcome=\"unauthenticated\",source_id=\"" + source.id() + "\"} 1.0");

        as("admin").when().post("/api/v1/sources/" + source.id() + "/disable").then().statusCode(200);
        as("admin").when().post("/api/v1/sources/" + source.id() + "/enable").then().statusCode(200).body("disabled", equalTo(false));
        assertThat(deliver("cloudevents", source, source.secret(), loginEvent(UUID.randomUUID().toString()), ce).statusCode()).isEqualTo(202);
        as("admin").when().post("/api/v1/sources/src_doesnotexist/disable").then().statusCode(404).contentType(PROBLEM);

        List<String> audit = topic(Topics.EVENTS).stream().map(r -> json(r.value()))
                .filter(e -> source.id().equals(e.path("subject").asText()) && e.path("type").asText().startsWith("controlwatch.source."))
                .map(e -> e.path("type").asText()).toList();
        assertThat(audit).as("disabling twice is one change")
                .containsExactly("controlwatch.source.registered", "controlwatch.source.disabled", "controlwatch.source.enabled");
    }

    @Test
    void anUnmappablePayloadIsTheLastError() {
        Registered source = register("kubernetes-audit", Map.of());
        deliver("kubernetes-audit", source, source.secret(), "{\"kind\":\"Pod\"}".getBytes(StandardCharsets.UTF_8), Map.of());
        JsonNode shown = json(as("admin").when().get("/api/v1/sources/" + source.id()).then().statusCode(200).extract().asString());
        assertThat(shown.path("lastDelivery").path("outcome").asText()).isEqualTo("rejected");
        assertThat(shown.path("lastError").path("reason").asText()).startsWith("400 Delivery not mapped");
        assertThat(Instant.parse(shown.path("lastError").path("time").asText())).isBefore(Instant.now().plusSeconds(1));
    }

    // ---- durable adapter state (issue 12: GitHub approvals kept durably) ----

    static byte[] githubPayload(String file, java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode> change) throws IOException {
        com.fasterxml.jackson.databind.node.ObjectNode payload = (com.fasterxml.jackson.databind.node.ObjectNode)
                JSON.readTree(VendorFixtures.ROOT.resolve("github").resolve(file).toFile());
        change.accept(payload);
        return JSON.writeValueAsBytes(payload);
    }

    @Test
    void gitHubApprovalsAreKeptOnKafkaAndReadBackByANewInstance() throws IOException {
        Registered github = register("github", Map.of());
        byte[] review = githubPayload("pull_request_review.submitted.json", p -> {
            ((com.fasterxml.jackson.databind.node.ObjectNode) p.get("review")).put("state", "approved");
            ((com.fasterxml.jackson.databind.node.ObjectNode) p.get("review").get("user")).put("login", "alice");
        });
        Response reviewed = deliver("github", github, github.secret(), review,
                Map.of("X-GitHub-Event", "pull_request_review", "X-GitHub-Delivery", UUID.randomUUID().toString()));
        assertThat(reviewed.statusCode()).as(reviewed.asString()).isEqualTo(202);

        // the 202 came after Kafka held the review: on the state topic, keyed under the source
        List<ConsumerRecord<String, String>> state = topic(Topics.ADAPTER_STATE).stream()
                .filter(r -> r.key().startsWith(github.id() + "/")).toList();
        assertThat(state).isNotEmpty().last().satisfies(r -> assertThat(r.value()).contains("\"alice\":\"approved\""));
        String key = state.get(state.size() - 1).key();

        // what a restarted (or another) instance reads at start-up
        io.controlwatch.ingest.service.DurableAdapterStateStore restarted = io.controlwatch.ingest.service.DurableAdapterStateStore
                .startingFrom(Map.of("bootstrap.servers", TestKafka.bootstrapServers()), Duration.ofSeconds(20),
                        java.time.Clock.systemUTC(), m -> io.smallrye.mutiny.Uni.createFrom().voidItem());
        assertThat(restarted.get(key)).hasValueSatisfying(v -> assertThat(v.path("reviews").path("alice").asText()).isEqualTo("approved"));

        byte[] merged = githubPayload("pull_request.closed-unmerged.json", p -> {
            com.fasterxml.jackson.databind.node.ObjectNode pr = (com.fasterxml.jackson.databind.node.ObjectNode) p.get("pull_request");
            pr.put("merged", true).put("merged_at", "2019-05-15T15:21:18Z");
            pr.putObject("merged_by").put("login", "bob");
        });
        Response merge = deliver("github", github, github.secret(), merged,
                Map.of("X-GitHub-Event", "pull_request", "X-GitHub-Delivery", UUID.randomUUID().toString()));
        assertThat(merge.statusCode()).as(merge.asString()).isEqualTo(202);
        assertThat(eventsOf(github)).filteredOn(e -> e.path("type").asText().equals("vcs.pull_request.merged")).singleElement()
                .satisfies(e -> assertThat(e.path("data").path("approvals").asInt()).isEqualTo(1));
        // the merge consumed the reviews: a tombstone, so a new instance no longer knows them
        assertThat(topic(Topics.ADAPTER_STATE)).filteredOn(r -> r.key().equals(key)).last()
                .satisfies(r -> assertThat(r.value()).isNull());
        io.controlwatch.ingest.service.DurableAdapterStateStore later = io.controlwatch.ingest.service.DurableAdapterStateStore
                .startingFrom(Map.of("bootstrap.servers", TestKafka.bootstrapServers()), Duration.ofSeconds(20),
                        java.time.Clock.systemUTC(), m -> io.smallrye.mutiny.Uni.createFrom().voidItem());
        assertThat(later.get(key)).isEmpty();
    }
}
