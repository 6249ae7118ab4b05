package io.controlwatch.console.api;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.http.Fault;

import io.controlwatch.testsupport.RoleMatrix;
import io.controlwatch.testsupport.TestHttpReceivers;
import io.controlwatch.testsupport.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every page for every role, against a real HTTP server playing the alerting and ingest APIs. The fake APIs answer
 * each role as docs/security.md's table says the real ones do ({@link RoleMatrix}; SecurityIT holds the services to
 * that table), so a page that needs an endpoint a role may not call shows up here as a refusal.
 */
@QuarkusTest
@QuarkusTestResource(value = ConsoleTestResource.class, restrictToAnnotatedClass = true)
class ConsolePagesTest {

    static final List<String> ROLES = List.of("ingest", "analyst", "oncall", "auditor", "admin");
    static final List<String> PEOPLE = List.of("analyst", "oncall", "auditor", "admin");
    static final Map<String, String> TOKENS = new LinkedHashMap<>();
    static final ObjectMapper JSON = new ObjectMapper();
    static final RoleMatrix MATRIX = RoleMatrix.read(Path.of("..", "docs", "security.md"));
    static final String FINDING = "0b6f3c1e-5a9d-4e0a-9c55-1d2f3a4b5c6d";

    static {
        ROLES.forEach(r -> TOKENS.put(r, TestTokens.withRoles(r)));
    }

    WireMock api = TestHttpReceivers.client();

    @BeforeEach
    void apis() throws IOException {
        api.resetMappings();
        api.resetRequests();
        Instant now = Instant.now();
        stub("alerting", "GET /api/v1/reports/operating-effectiveness", () -> get(urlPathEqualTo("/api/v1/reports/operating-effectiveness")), report(now, null));
        // one control asked for (the control page): that control alone (the newest matching stub wins)
        stub("alerting", "GET /api/v1/reports/operating-effectiveness", () -> get(urlPathEqualTo("/api/v1/reports/operating-effectiveness"))
                .withQueryParam("control", equalTo("cc6.7-certificate-expiring-14d")), report(now, "cc6.7-certificate-expiring-14d"));
        stub("alerting", "GET /api/v1/controls", () -> get(urlPathEqualTo("/api/v1/controls")), controls());
        stub("alerting", "GET /api/v1/executions", () -> get(urlPathEqualTo("/api/v1/executions")), executions(now));
        stub("alerting", "GET /api/v1/findings", () -> get(urlPathEqualTo("/api/v1/findings")), findings(now));
        stub("ingest", "GET /api/v1/sources", () -> get(urlPathEqualTo("/api/v1/sources")).withQueryParam("cursor", absent()),
                resource("/ingest/sources-page-1.json"));
        stub("ingest", "GET /api/v1/sources", () -> get(urlPathEqualTo("/api/v1/sources")).withQueryParam("cursor", equalTo("c1")),
                resource("/ingest/sources-page-2.json"));
    }

    /** One answer per role: the body for the roles the table allows, the API's 403 problem for the others. */
    void stub(String service, String endpoint, Supplier<MappingBuilder> request, String body) {
        RoleMatrix.Row row = MATRIX.byEndpoint(service).get(endpoint);
        assertThat(row).as(endpoint + " in docs/security.md").isNotNull();
        TOKENS.forEach((role, token) -> {
            // WireMock's builders are mutable: a fresh one per role
            MappingBuilder m = request.get().withHeader("Authorization", equalTo("Bearer " + token));
            api.register(m.willReturn(row.allowed().contains(role)
                    ? aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body)
                    : aResponse().withStatus(403).withHeader("Content-Type", "application/problem+json")
                            .withBody("{\"type\":\"urn:controlwatch:problem:forbidden\",\"title\":\"Forbidden\",\"status\":403}")));
        });
    }

    static String page(String role, String path) {
        return given().auth().oauth2(TOKENS.get(role)).redirects().follow(false).get(path).then().statusCode(200)
                .extract().asString();
    }

    @Test
    void everyPersonSeesThePostureTheMatrixTheSourcesAndTheFindings() {
        for (String role : PEOPLE) {
            String posture = page(role, "/posture?days=7");
            assertThat(posture).as(role).contains("id=\"posture\"").doesNotContain("class=\"notice\"")
                    .contains("a continuous control at least once every\n  day");
            Map<String, List<Integer>> grid = grid(posture);
            // PASSING, FAILING, EXEMPTED, NOT_EXECUTED, NOT_DUE (the report below, the shipped pack's frequencies)
            assertThat(grid.get("CC6.1")).as(role).containsExactly(1, 1, 1, 0, 0);
            assertThat(grid.get("CC6.7")).as(role).containsExactly(0, 0, 1, 1, 0);
            assertThat(grid.get("CC7.2")).as(role).containsExactly(0, 0, 0, 1, 0);
            assertThat(grid.get("CC6.3")).as(role).containsExactly(0, 0, 0, 0, 1);

            String matrix = page(role, "/matrix?days=7");
            assertThat(matrix).as(role).contains("id=\"matrix\"")
                    .containsPattern("data-control=\"cc6.7-certificate-expiring-14d\">(?s:.*?)class=\"state-NOT_EXECUTED\"");
            given().auth().oauth2(TOKENS.get(role)).get("/matrix.csv").then().statusCode(200);

            String sources = page(role, "/sources");
            assertThat(sources).as(role).contains("id=\"sources\"").doesNotContain("class=\"notice\"")
                    .contains("acme GitHub organisation").contains("https://idp.example.com")
                    .contains("2.4s").contains("4m").contains("1412").contains("2026-12-04T16:20:02Z")
                    .containsPattern("data-source=\"https://idp.example.com\" data-state=\"idle\"")
                    .containsPattern("data-source=\"acme GitHub organisation\" data-state=\"live\"");
            // the idle source first: it needs a look
            assertThat(sources.indexOf("https://idp.example.com")).isLessThan(sources.indexOf("acme GitHub organisation"));

            String findings = page(role, "/findings");
            assertThat(findings).as(role).contains("data-finding=\"" + FINDING + "\"");
            boolean acts = List.of("analyst", "oncall").contains(role);
            assertThat(findings.contains("class=\"ack\"")).as(role + " has action buttons").isEqualTo(acts);

            String control = page(role, "/controls/cc6.7-certificate-expiring-14d?days=7");
            assertThat(control).as(role).contains("NOT_EXECUTED").doesNotContain("class=\"notice\"");
        }
        // the ingest service was asked with each user's own token, both pages
        for (String role : PEOPLE) {
            api.verifyThat(2, getRequestedFor(urlPathEqualTo("/api/v1/sources"))
                    .withHeader("Authorization", equalTo("Bearer " + TOKENS.get(role))));
        }
    }

    @Test
    void theMachineRoleIngestSeesNoticesAndNoData() {
        assertThat(page("ingest", "/posture")).doesNotContain("id=\"posture\"").contains("class=\"notice\"");
        assertThat(page("ingest", "/matrix")).doesNotContain("id=\"matrix\"").contains("class=\"notice\"");
        assertThat(page("ingest", "/sources")).doesNotContain("id=\"sources\"").contains("class=\"notice\"");
        assertThat(page("ingest", "/findings")).doesNotContain("data-finding=").contains("may not read findings");
        assertThat(page("ingest", "/controls/cc6.1-console-login-mfa")).doesNotContain("data-finding=")
                .contains("class=\"notice\"");
        given().auth().oauth2(TOKENS.get("ingest")).get("/matrix.csv").then().statusCode(403);
        // nobody without a token
        given().redirects().follow(false).get("/posture").then().statusCode(401);
    }

    @Test
    void theSourcesPageSaysSoWhenIngestIsUnreachableOrFailing() {
        api.register(get(urlPathEqualTo("/api/v1/sources")).atPriority(1)
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        assertThat(page("auditor", "/sources")).contains("The ingest service cannot be reached right now.")
                .doesNotContain("id=\"sources\"");

        api.register(get(urlPathEqualTo("/api/v1/sources")).atPriority(1).willReturn(aResponse().withStatus(503)
                .withHeader("Content-Type", "application/problem+json")
                .withBody("{\"type\":\"urn:controlwatch:problem:unavailable\",\"title\":\"Unavailable\",\"status\":503,"
                        + "\"detail\":\"Kafka is not reachable.\"}")));
        assertThat(page("oncall", "/sources")).contains("Kafka is not reachable.").doesNotContain("id=\"sources\"");
        // the other pages do not depend on ingest
        assertThat(page("oncall", "/posture")).contains("id=\"posture\"");
    }

    // ------------------------------------------------------------------------------------------------ fixtures

    private static final Pattern ROW = Pattern.compile("<tr data-criterion=\"([^\"]+)\"(?s:(.*?))</tr>");
    private static final Pattern CELL = Pattern.compile("data-state=\"(\\w+)\"[^>]*>([^<]*)</td>");

    /** criterion → counts of PASSING, FAILING, EXEMPTED, NOT_EXECUTED, NOT_DUE as the page shows them. */
    static Map<String, List<Integer>> grid(String html) {
        Map<String, List<Integer>> out = new LinkedHashMap<>();
        Matcher row = ROW.matcher(html);
        while (row.find()) {
            Matcher cell = CELL.matcher(row.group(2));
            List<Integer> counts = new java.util.ArrayList<>();
            while (cell.find()) {
                if (!cell.group(1).equals("MANUAL")) {
                    counts.add(Integer.parseInt(cell.group(2).trim()));
                }
            }
            out.put(row.group(1), counts);
        }
        return out;
    }

    static String resource(String name) throws IOException {
        try (InputStream in = ConsolePagesTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * The report's format (docs/api.md): a continuous control failing, one passing, one exempted; a daily control
     * that last ran three days ago (not executed within its frequency); a continuous one that never ran; a quarterly
     * one that never ran (not due in 7 days).
     */
    static String report(Instant now, String only) {
        ObjectNode r = JSON.createObjectNode();
        ArrayNode controls = r.putArray("controls");
        controls.add(control("cc6.1-console-login-mfa", List.of("CC6.1"), 10, 1, List.of(), now.minus(Duration.ofHours(1))));
        controls.add(control("cc6.1-mfa-device-removed", List.of("CC6.1"), 3, 0, List.of(), now.minus(Duration.ofHours(2))));
        controls.add(control("cc6.7-bucket-made-public", List.of("CC6.7", "CC6.1"), 2, 1, List.of("6f1c"), now.minus(Duration.ofMinutes(30))));
        controls.add(control("cc6.7-certificate-expiring-14d", List.of("CC6.7"), 4, 0, List.of(), now.minus(Duration.ofDays(3))));
        controls.add(control("cc7.2-failed-login-burst", List.of("CC7.2"), 0, 0, List.of(), null));
        controls.add(control("cc6.3-access-review-quarterly", List.of("CC6.3"), 0, 0, List.of(), null));
        if (only != null) {
            for (int i = controls.size() - 1; i >= 0; i--) {
                if (!controls.get(i).path("controlId").asText().equals(only)) {
                    controls.remove(i);
                }
            }
        }
        r.putArray("criteria");
        return r.toString();
    }

    static ObjectNode control(String id, List<String> criteria, long population, long openAtEnd, List<String> exemptions,
                              Instant last) {
        ObjectNode c = JSON.createObjectNode().put("controlId", id).put("title", id).put("description", "")
                .put("owner", "security").put("severity", "high").put("status", "active")
                .put("population", population).put("passes", population).put("failures", 0).put("errors", 0)
                .put("exempted", 0).put("findingsOpenAtEnd", openAtEnd);
        criteria.forEach(c.putArray("criteria")::add);
        exemptions.forEach(c.putArray("exemptions")::add);
        ArrayNode versions = c.putArray("versions");
        if (last != null) {
            versions.addObject().put("version", "sha256:1").put("firstExecutionAt", last.minus(Duration.ofDays(1)).toString())
                    .put("lastExecutionAt", last.toString()).put("executions", population);
        }
        return c;
    }

    static String controls() {
        ArrayNode a = JSON.createArrayNode();
        for (String id : List.of("cc6.1-console-login-mfa", "cc6.7-certificate-expiring-14d")) {
            a.addObject().put("controlId", id).put("title", id).put("owner", "security").put("status", "active")
                    .putNull("lastExecutedAt").putArray("criteria").add(id.startsWith("cc6.1") ? "CC6.1" : "CC6.7");
        }
        return a.toString();
    }

    static String executions(Instant now) {
        ObjectNode p = JSON.createObjectNode();
        p.putArray("items").addObject().put("executionId", "e-1").put("controlId", "cc6.1-console-login-mfa")
                .put("result", "FAIL").put("subject", "alice").put("eventId", "ev-1").put("eventSource", "https://idp.example.com")
                .put("eventType", "auth.login").put("eventTime", now.minusSeconds(3600).toString())
                .put("recordedAt", now.minusSeconds(3590).toString()).put("message", "no MFA");
        p.putNull("next");
        return p.toString();
    }

    static String findings(Instant now) {
        ObjectNode p = JSON.createObjectNode();
        p.putArray("items").addObject().put("findingId", FINDING).put("controlId", "cc6.1-console-login-mfa")
                .put("controlTitle", "Console logins require MFA").put("subject", "alice").put("status", "OPEN")
                .put("severity", "high").put("summary", "login without MFA").put("openedAt", now.minusSeconds(3600).toString())
                .put("slaDueAt", now.plusSeconds(3600).toString()).put("slaBreached", false).put("failureCount", 1);
        p.putNull("next");
        return p.toString();
    }
}
