package io.controlwatch.system;

import com.fasterxml.jackson.databind.JsonNode;
import io.controlwatch.testsupport.TestTokens;
import io.controlwatch.testsupport.VendorFixtures;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One real vendor payload per kind, delivered to the running stack the way the vendor sends and signs it, ends as
 * the failure a security team expects in {@code GET /api/v1/failures} (issue "real sources").
 */
class VendorSourcesIT {

    static ControlWatchStack stack;

    @BeforeAll
    static void startStack() {
        stack = ControlWatchStack.get();
    }

    record Registered(String id, String secret) {
    }

    static Registered register(String kind, JsonNode options) {
        Response response = given().auth().oauth2(TestTokens.withRoles("admin")).contentType(ContentType.JSON)
                .body(Map.of("kind", kind, "name", "system-" + kind + "-" + UUID.randomUUID(), "options", options))
                .post(stack.ingest.url("/api/v1/sources")).then().statusCode(201).extract().response();
        return new Registered(response.path("id"), response.path("secret"));
    }

    static void deliver(String kind, Registered source, byte[] body, Map<String, String> headers) {
        RequestSpecification request = given().headers(headers).body(body);
        if (!headers.containsKey("Content-Type")) {
            request = request.contentType(ContentType.JSON);
        }
        switch (kind) {
            case "github" -> request = request.header("X-Hub-Signature-256", VendorFixtures.gitHubSignature(source.secret(), body));
            case "okta" -> request = request.header("Authorization", source.secret());
            default -> request = request.header("Authorization", "Bearer " + source.secret());
        }
        Response answer = request.post(stack.ingest.url("/api/v1/sources/" + source.id() + "/events")).andReturn();
        assertThat(answer.statusCode()).as(kind + ": " + answer.asString()).isEqualTo(202);
    }

    /**
     * Delivers the fixture and waits for the failure of {@code control} about the event it maps to.
     *
     * @param subject the failure's subject (what the control names), or null: the stack is shared with other tests,
     *                so a control's failures can be many, and vendor examples carry old event times
     */
    static void failsWith(String kind, String fixture, String control, String subject) {
        VendorFixtures.Fixture f = VendorFixtures.read(kind, fixture);
        String eventId = f.expectedEvents().get(0).path("id").asText();
        deliver(kind, register(kind, f.options()), f.payload(), f.headers());
        awaitFailure(control, subject, eventId);
    }

    static void awaitFailure(String control, String subject, String eventId) {
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            RequestSpecification query = given().auth().oauth2(TestTokens.withRoles("analyst")).queryParam("control", control)
                    .queryParam("limit", 1000);
            if (subject != null) {
                query = query.queryParam("subject", subject);
            }
            List<String> events = query.get(stack.alerting.url("/api/v1/failures"))
                    .then().statusCode(200).extract().path("items.eventId");
            assertThat(events).as("failures of " + control).contains(eventId);
        });
    }

    @Test
    void aCloudTrailConsoleLoginWithoutMfaFailsTheMfaControl() {
        failsWith("aws-cloudtrail", "ConsoleLogin.iam-user-without-mfa", "cc6.1-console-login-mfa", "anaya@111122223333");
    }

    @Test
    void aGitHubBranchProtectionRuleDeletionFailsItsControl() {
        failsWith("github", "branch_protection_rule.deleted", "cc5.2-branch-protection-removed", null);
    }

    @Test
    void anOktaSignInWithoutASecondFactorFailsTheMfaControl() {
        failsWith("okta", "event-hook.user.session.start", "cc6.1-console-login-mfa", "admin@okta.com");
    }

    @Test
    void aKubernetesAnonymousRequestFailsItsControl() {
        failsWith("kubernetes-audit", "anonymous-creates-namespace", "cc6.1-kubernetes-anonymous-access", "minikube");
    }

    @Test
    void aStandardWebhooksSenderDeliversAnEventThatFails() {
        Registered source = register("webhook", com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode());
        String messageId = "msg_" + UUID.randomUUID();
        long now = Instant.now().getEpochSecond();
        byte[] body = """
                {"type":"auth.login","timestamp":"%s","data":{"user":"wendy@example.com","outcome":"success","mfa":false,"app":"hr-tool"}}"""
                .formatted(Instant.ofEpochSecond(now)).getBytes(StandardCharsets.UTF_8);
        Response answer = given().contentType(ContentType.JSON).body(body).header("webhook-id", messageId)
                .header("webhook-timestamp", String.valueOf(now))
                .header("webhook-signature", VendorFixtures.standardWebhookSignature(source.secret(), messageId, now, body))
                .post(stack.ingest.url("/api/v1/sources/" + source.id() + "/events")).andReturn();
        assertThat(answer.statusCode()).as(answer.asString()).isEqualTo(202);
        awaitFailure("cc6.1-console-login-mfa", "wendy@example.com", "webhook:" + messageId);
    }
}
