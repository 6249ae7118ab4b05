package io.controlwatch.system;

import io.controlwatch.model.Topics;
import io.controlwatch.testsupport.TestTokens;
import io.controlwatch.testsupport.TopicReader;
import io.restassured.response.ValidatableResponse;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

/**
 * The walking skeleton end to end: events posted over HTTP to the ingest process, evaluated by the Kafka Streams
 * process, stored by the alerting process in PostgreSQL, and read back over HTTP — real broker, real database.
 */
class EndToEndIT {

    static final String CONTROL = "cc6.1-console-login-mfa";
    static final String SINGLE = "application/cloudevents+json";
    static final String BATCH = "application/cloudevents-batch+json";
    static final Duration WITHIN = Duration.ofSeconds(60);

    static ControlWatchStack stack;

    @BeforeAll
    static void startStack() {
        stack = ControlWatchStack.get();
        NOW = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    /**
     * Events happen now — once the stack is up (on a loaded machine that can take minutes): stateful controls judge
     * lateness and deadlines on event time, so events stamped before the start would be recorded as late.
     */
    static String NOW;

    static String login(String id, String user, boolean mfa) {
        return """
                {"specversion":"1.0","id":"%s","source":"https://login.example-idp.com","type":"auth.login",
                 "subject":"%s","time":"%s",
                 "data":{"user":"%s","mfa":%s,"outcome":"success","app":"aws-console"}}""".formatted(id, user, NOW, user, mfa);
    }

    /** An event type no control of the pack applies to. */
    static String unmonitored(String id) {
        return """
                {"specversion":"1.0","id":"%s","source":"urn:test:unmonitored","type":"acme.test.unmonitored",
                 "data":{"anything":"goes"}}""".formatted(id);
    }

    static String user() {
        return "user-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
    }

    static ValidatableResponse post(String contentType, String body) {
        return given().auth().oauth2(TestTokens.withRoles("ingest")).contentType(contentType).body(body)
                .when().post(stack.ingest.url("/api/v1/events")).then();
    }

    static ValidatableResponse failuresOf(String subject) {
        return given().auth().oauth2(TestTokens.withRoles("analyst")).queryParam("subject", subject)
                .when().get(stack.alerting.url("/api/v1/failures")).then().statusCode(200);
    }

    /** Results stored for one event id, straight from the evidence table. */
    static List<String> storedResults(String eventId) throws Exception {
        try (Connection c = DriverManager.getConnection(stack.database.jdbcUrl(), stack.database.user(), stack.database.password());
             PreparedStatement s = c.prepareStatement("select result from control_execution where event_id = ?")) {
            s.setString(1, eventId);
            List<String> results = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    results.add(r.getString(1));
                }
            }
            return results;
        }
    }

    @Test
    void aLoginWithoutMfaFailsWithMfaPassesAndOtherEventsAreNotApplicable() throws Exception {
        String alice = user();
        String violating = UUID.randomUUID().toString();
        String compliant = UUID.randomUUID().toString();
        String other = UUID.randomUUID().toString();

        post(SINGLE, login(violating, alice, false)).statusCode(202);
        post(BATCH, "[" + login(compliant, alice, true) + "," + unmonitored(other) + "]").statusCode(202);

        await().atMost(WITHIN).untilAsserted(() -> failuresOf(alice).body("items", hasSize(1)));
        failuresOf(alice)
                .body("items[0].controlId", equalTo(CONTROL))
                .body("items[0].controlTitle", equalTo("Console logins require MFA"))
                .body("items[0].criteria[0]", equalTo("CC6.1"))
                .body("items[0].severity", equalTo("high"))
                .body("items[0].eventId", equalTo(violating))
                .body("items[0].eventSource", equalTo("https://login.example-idp.com"))
                .body("items[0].eventTime", equalTo(NOW));
        await().atMost(WITHIN).untilAsserted(() -> assertThat(storedResults(compliant)).containsExactly("PASS"));
        assertThat(storedResults(violating)).containsExactly("FAIL");
        assertThat(storedResults(other)).isEmpty();

        given().auth().oauth2(TestTokens.withRoles("auditor")).get(stack.alerting.url("/api/v1/controls")).then()
                .statusCode(200).body("find { it.controlId == '%s' }.criteria[0]".formatted(CONTROL), equalTo("CC6.1"));
        given().get(stack.alerting.url("/q/metrics")).then().body(containsString("cw_failures_recorded_total"));
        given().get(stack.evaluation.url("/q/metrics")).then().body(containsString("cw_executions_total"));
        given().get(stack.ingest.url("/q/metrics")).then().body(containsString("cw_events_accepted_total"));
    }

    /**
     * Issue "event time per source": 40 real-time probes keep their sources' clocks at now while a log poller
     * delivers a burst of failed logins 4 minutes after they happened. Before per-source clocks the probes moved the
     * partitions' one clock and the burst was recorded as 10 late events, no failure.
     */
    @Test
    void aBurstDeliveredFourMinutesLateByAPollerFailsWhileOtherSourcesAreRealTime() throws Exception {
        String mallory = user();
        java.time.Instant now = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        List<String> probes = new ArrayList<>();
        for (int k = 0; k < 40; k++) {
            probes.add("""
                    {"specversion":"1.0","id":"probe-%s-%d","source":"urn:probe:%d","type":"uptime.check","time":"%s",
                     "data":{"target":"https://api-%d.example.com/health","status":"up"}}""".formatted(mallory, k, k, now, k));
        }
        post(BATCH, "[" + String.join(",", probes) + "]").statusCode(202);
        List<String> burst = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            burst.add("""
                    {"specversion":"1.0","id":"poll-%s-%d","source":"https://okta-poller.example.com","type":"auth.login",
                     "subject":"%s","time":"%s","data":{"user":"%s","outcome":"failure"}}"""
                    .formatted(mallory, i, mallory, now.minus(Duration.ofMinutes(4)).plusSeconds(i * 5L), mallory));
        }
        post(BATCH, "[" + String.join(",", burst) + "]").statusCode(202);

        await().atMost(WITHIN).untilAsserted(() -> failuresOf(mallory)
                .body("items.findAll { it.controlId == 'cc7.2-failed-login-burst' }.size()", org.hamcrest.Matchers.greaterThan(0)));
        assertThat(storedResults("poll-" + mallory + "-9")).doesNotContain("ERROR");
    }

    @Test
    void theSameEventPostedTwiceIsOneExecution() throws Exception {
        String bob = user();
        String id = UUID.randomUUID().toString();
        post(SINGLE, login(id, bob, false)).statusCode(202);
        post(SINGLE, login(id, bob, false)).statusCode(202);
        // a later event for the same subject lands on the same partitions behind both copies
        String later = UUID.randomUUID().toString();
        post(SINGLE, login(later, bob, false)).statusCode(202);

        await().atMost(WITHIN).untilAsserted(() -> failuresOf(bob).body("items", hasSize(2)));
        assertThat(storedResults(id)).containsExactly("FAIL");
    }

    @Test
    void aBatchWithOneBadEventIsRefusedAndNothingOfItIsStored() throws Exception {
        String carol = user();
        String valid = UUID.randomUUID().toString();
        String invalid = "{\"specversion\":\"1.0\",\"id\":\"x\",\"type\":\"auth.login\"}";

        post(BATCH, "[" + login(valid, carol, false) + "," + invalid + "]").statusCode(400)
                .contentType("application/problem+json")
                .body("errors[0].index", equalTo(1)).body("errors[0].field", equalTo("source"));

        String marker = UUID.randomUUID().toString();
        post(SINGLE, login(marker, carol, false)).statusCode(202);
        await().atMost(WITHIN).untilAsserted(() -> failuresOf(carol).body("items", hasSize(1)));
        failuresOf(carol).body("items[0].eventId", equalTo(marker));
        assertThat(storedResults(valid)).isEmpty();
    }

    @Test
    void badRequestsGetClearErrorsFromTheRealProcesses() {
        post(SINGLE, "{\"specversion\":").statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("urn:controlwatch:problem:malformed-json"));
        post(SINGLE, "{\"pad\":\"" + "x".repeat(1_100_000) + "\"}").statusCode(413).contentType("application/problem+json");
        given().contentType(SINGLE).body(login("x", "y", true)).post(stack.ingest.url("/api/v1/events")).then().statusCode(401);
        given().auth().oauth2(TestTokens.withRoles("auditor")).contentType(SINGLE).body(login("x", "y", true))
                .post(stack.ingest.url("/api/v1/events")).then().statusCode(403);
        given().get(stack.alerting.url("/api/v1/failures")).then().statusCode(401);
        given().auth().oauth2(TestTokens.withRoles("ingest")).get(stack.alerting.url("/api/v1/failures")).then().statusCode(403);
    }

    @Test
    void poisonRecordsOnTheEventsTopicAreDeadLetteredAndEvaluationGoesOn() throws Exception {
        String dave = user();
        String poisonKey = "poison-" + UUID.randomUUID();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka), new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(Topics.EVENTS, poisonKey, "<xml>not an event</xml>")).get();
        }
        String after = UUID.randomUUID().toString();
        post(SINGLE, login(after, dave, false)).statusCode(202);

        await().atMost(WITHIN).untilAsserted(() -> failuresOf(dave).body("items", hasSize(1)));
        await().atMost(WITHIN).untilAsserted(() -> assertThat(
                TopicReader.readAll(stack.kafka, Topics.EVENTS_DEAD_LETTER)).anySatisfy(r -> {
                    assertThat(r.key()).isEqualTo(poisonKey);
                    assertThat(new String(r.headers().lastHeader("dead-letter-reason").value(), StandardCharsets.UTF_8))
                            .contains("not valid JSON");
                }));
        assertThat(ServiceProcess.status(stack.evaluation.url("/q/health/ready"))).isEqualTo(200);
    }

    @Test
    void anInvalidControlPackStopsTheEvaluationServiceNamingFileControlAndError() throws Exception {
        Path pack = Files.createTempFile("broken-pack", ".yaml");
        Files.writeString(pack, """
                pack: broken
                formatVersion: 1
                controls:
                  - id: cc6.1-broken
                    title: Broken
                    criteria: [CC6.1]
                    severity: high
                    event:
                      on: [auth.login]
                      violation: data.mfa ==
                """);
        Map<String, String> env = new java.util.HashMap<>(ControlWatchStack.environment(stack.kafka, stack.database));
        env.put("CW_EVALUATION_PACK", pack.toString());

        ServiceProcess broken = ServiceProcess.start("evaluation-service", env);
        try {
            assertThat(broken.awaitExit(Duration.ofSeconds(60))).isGreaterThan(0);
            assertThat(broken.log()).contains("Invalid control pack " + pack + ":10, control 'cc6.1-broken'")
                    .contains("'event.violation' does not compile");
        } finally {
            broken.stop();
        }
    }

    /**
     * A pack swap, as an admin does it: the catalog says which controls the running pack has. A control only the
     * swapped-out pack had stays listed (its evidence does not go away) as retired, with the last pack version
     * that had it. The test swaps back to the pack the stack started with, which retires its own control.
     */
    @Test
    void aPackSwapMarksTheControlsTheRunningPackLacksAsRetired() {
        String admin = TestTokens.withRoles("admin");
        String started = given().auth().oauth2(admin).get(stack.evaluation.url("/api/v1/packs/active")).then()
                .statusCode(200).extract().path("version");
        String yaml = given().auth().oauth2(admin).accept("application/yaml")
                .get(stack.evaluation.url("/api/v1/packs/versions/" + started)).then().statusCode(200).extract().asString();
        await().atMost(WITHIN).untilAsserted(() -> assertThat(control(CONTROL)).containsEntry("status", "active")
                .containsEntry("packVersion", started));

        String added = "cc6.1-swap-" + UUID.randomUUID().toString().substring(0, 8);
        String widened = yaml.replaceFirst("(?m)^controls:\\n", """
                controls:
                  - id: %s
                    title: Swapped-in control
                    criteria: [CC6.1]
                    severity: low
                    event:
                      on: [acme.test.swap]
                      violation: "false"
                """.formatted(added));
        String swapped = given().auth().oauth2(admin).contentType("application/yaml").body(widened.getBytes(StandardCharsets.UTF_8))
                .put(stack.evaluation.url("/api/v1/packs/active")).then().statusCode(200)
                .body("added", org.hamcrest.Matchers.contains(added)).extract().path("version");
        try {
            await().atMost(WITHIN).untilAsserted(() -> {
                assertThat(control(added)).containsEntry("status", "active").containsEntry("packVersion", swapped);
                assertThat(control(CONTROL)).containsEntry("status", "active").containsEntry("packVersion", swapped);
            });
        } finally {
            given().auth().oauth2(admin).contentType("application/yaml").body(yaml.getBytes(StandardCharsets.UTF_8))
                    .put(stack.evaluation.url("/api/v1/packs/active")).then().statusCode(200);
        }
        await().atMost(WITHIN).untilAsserted(() -> {
            assertThat(control(added)).containsEntry("status", "retired").containsEntry("packVersion", swapped);
            assertThat(control(CONTROL)).containsEntry("status", "active").containsEntry("packVersion", started);
        });
        List<String> retired = given().auth().oauth2(TestTokens.withRoles("auditor")).queryParam("status", "retired")
                .get(stack.alerting.url("/api/v1/controls")).then().statusCode(200).extract().path("controlId");
        assertThat(retired).contains(added).doesNotContain(CONTROL);
        given().auth().oauth2(TestTokens.withRoles("auditor")).queryParam("status", "gone")
                .get(stack.alerting.url("/api/v1/controls")).then().statusCode(400);
    }

    static Map<String, Object> control(String id) {
        List<Map<String, Object>> controls = given().auth().oauth2(TestTokens.withRoles("auditor"))
                .get(stack.alerting.url("/api/v1/controls")).then().statusCode(200).extract().path("");
        return controls.stream().filter(c -> id.equals(c.get("controlId"))).findFirst().orElse(Map.of());
    }
}
