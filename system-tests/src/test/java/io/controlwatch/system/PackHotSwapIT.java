package io.controlwatch.system;

import io.controlwatch.model.ModelJson;
import io.controlwatch.model.Topics;
import io.controlwatch.testsupport.TestTokens;
import io.controlwatch.testsupport.TopicReader;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;

/**
 * Control pack lifecycle on the running system: a new version takes effect without a restart and every execution
 * names it; a broken version is refused with file, control, line and reason while the running one goes on; every
 * version stays retrievable; each change is an audit event.
 */
class PackHotSwapIT {

    static ControlWatchStack stack;
    static String original;

    @BeforeAll
    static void start() throws Exception {
        stack = ControlWatchStack.get();
        original = Files.readString(ServiceProcess.repositoryRoot().resolve("control-packs/soc2/controls.yaml"));
    }

    @AfterAll
    static void restoreShippedPack() {
        put(original).statusCode(200);
    }

    static ValidatableResponse put(String yaml) {
        return given().auth().oauth2(TestTokens.withRoles("admin")).contentType("application/yaml").body(yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .when().put(stack.evaluation.url("/api/v1/packs/active")).then();
    }

    static String activeVersion() {
        return given().auth().oauth2(TestTokens.withRoles("admin")).get(stack.evaluation.url("/api/v1/packs/active"))
                .then().statusCode(200).extract().path("version");
    }

    static void violatingLogin(String user) {
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        given().auth().oauth2(TestTokens.withRoles("ingest")).contentType("application/cloudevents+json")
                .body("""
                        {"specversion":"1.0","id":"%s","source":"https://login.example-idp.com","type":"auth.login",
                         "subject":"%s","time":"%s","data":{"user":"%s","mfa":false,"outcome":"success"}}"""
                        .formatted(UUID.randomUUID(), user, now, user))
                .post(stack.ingest.url("/api/v1/events")).then().statusCode(202);
    }

    static ValidatableResponse failuresOf(String user) {
        return given().auth().oauth2(TestTokens.withRoles("analyst")).queryParam("subject", user)
                .get(stack.alerting.url("/api/v1/failures")).then().statusCode(200);
    }

    @Test
    void aNewVersionTakesEffectWithoutRestartAndABrokenOneIsRefused() throws Exception {
        String before = activeVersion();
        String stricter = original.replace(
                "criteria: [CC6.1]\n    severity: high\n    owner: identity-and-access",
                "criteria: [CC6.1]\n    severity: critical\n    owner: identity-and-access");
        assertThat(stricter).isNotEqualTo(original);

        String v2 = put(stricter).statusCode(200)
                .body("previousVersion", equalTo(before))
                .body("changed", hasItem("cc6.1-console-login-mfa"))
                .extract().path("version");
        assertThat(v2).isNotEqualTo(before);
        assertThat(activeVersion()).isEqualTo(v2);

        String alice = "swap-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        violatingLogin(alice);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> failuresOf(alice).body("items", hasSize(1)));
        failuresOf(alice).body("items[0].severity", equalTo("critical"));

        // broken: refused with file, control, line and reason; v2 keeps running
        String broken = stricter.replace("violation: data.mfa != true", "violation: data.mfa !=");
        put(broken).statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("urn:controlwatch:problem:invalid-control-pack"))
                .body("detail", containsString("control 'cc6.1-console-login-mfa'"))
                .body("detail", containsString("'event.violation' does not compile"))
                .body("errors[0].field", equalTo("cc6.1-console-login-mfa"))
                // the line of the broken expression, not of the control
                .body("errors[0].line", equalTo(lineOf(broken, "violation: data.mfa !=")));
        assertThat(activeVersion()).isEqualTo(v2);
        String bob = "swap-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        violatingLogin(bob);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> failuresOf(bob).body("items", hasSize(1)));
        failuresOf(bob).body("items[0].severity", equalTo("critical"));

        // every version stays retrievable, and each change is an audit event
        given().auth().oauth2(TestTokens.withRoles("admin")).get(stack.evaluation.url("/api/v1/packs/versions"))
                .then().statusCode(200).body("version", hasItem(before)).body("version", hasItem(v2));
        String stored = given().auth().oauth2(TestTokens.withRoles("admin"))
                .get(stack.evaluation.url("/api/v1/packs/versions/" + v2)).then().statusCode(200).extract().asString();
        assertThat(stored).isEqualTo(stricter);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                TopicReader.readAll(stack.kafka, Topics.EVENTS)).anySatisfy(r -> {
                    com.fasterxml.jackson.databind.JsonNode event;
                    try {
                        event = ModelJson.mapper().readTree(r.value());
                    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                        // other tests put poison records on the topic: not this event, look at the next record
                        throw new AssertionError("not JSON: " + r.value());
                    }
                    assertThat(event.path("type").asText()).isEqualTo("controlwatch.pack.activated");
                    assertThat(event.path("data").path("version").asText()).isEqualTo(v2);
                    assertThat(event.path("data").path("previousVersion").asText()).isEqualTo(before);
                    assertThat(event.path("data").path("activatedBy").asText()).startsWith("test-admin");
                }));
    }

    @Test
    void onlyAdminsManagePacks() {
        given().contentType("application/yaml").body(original.getBytes(java.nio.charset.StandardCharsets.UTF_8)).put(stack.evaluation.url("/api/v1/packs/active"))
                .then().statusCode(401);
        for (String role : new String[]{"ingest", "analyst", "auditor"}) {
            given().auth().oauth2(TestTokens.withRoles(role)).contentType("application/yaml").body(original.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                    .put(stack.evaluation.url("/api/v1/packs/active")).then().statusCode(403);
            given().auth().oauth2(TestTokens.withRoles(role)).get(stack.evaluation.url("/api/v1/packs/active"))
                    .then().statusCode(403);
        }
    }

    static int lineOf(String text, String needle) {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(needle)) {
                return i + 1;
            }
        }
        throw new IllegalArgumentException(needle);
    }

}
