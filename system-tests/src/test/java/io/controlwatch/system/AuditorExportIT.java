package io.controlwatch.system;

import io.controlwatch.testsupport.TestTokens;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The auditor's path through the real processes (issue "Auditors"): events posted to ingest, evaluated, stored and
 * chained; the period exported as a signed bundle; the offline verifier (the jar the build makes) accepts it; then a
 * stored execution is changed directly in PostgreSQL and {@code GET /api/v1/evidence/verify} names it, with the
 * checkpoints held against their copies on the checkpoint topic.
 */
class AuditorExportIT {

    static final Duration WITHIN = Duration.ofSeconds(90);

    static ControlWatchStack stack;

    @TempDir
    Path dir;

    @BeforeAll
    static void startStack() {
        stack = ControlWatchStack.get();
    }

    static RequestSpecification as(String role) {
        return given().auth().oauth2(TestTokens.withRoles(role));
    }

    static String login(String id, String user, boolean mfa, Instant time) {
        return """
                {"specversion":"1.0","id":"%s","source":"https://login.example-idp.com","type":"auth.login",
                 "subject":"%s","time":"%s",
                 "data":{"user":"%s","mfa":%s,"outcome":"success","app":"aws-console"}}"""
                .formatted(id, user, time, user, mfa);
    }

    static void post(String event) {
        as("ingest").contentType("application/cloudevents+json").body(event)
                .post(stack.ingest.url("/api/v1/events")).then().statusCode(202);
    }

    static String executionOf(String eventId) throws Exception {
        try (Connection c = DriverManager.getConnection(stack.database.jdbcUrl(), stack.database.user(),
                stack.database.password());
             PreparedStatement s = c.prepareStatement("select cast(execution_id as text) from control_execution "
                     + "where event_id = ? and chain_partition is not null")) {
            s.setString(1, eventId);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getString(1) : null;
            }
        }
    }

    /** How many of these events have a chained execution. */
    static long chained(List<String> eventIds) throws Exception {
        try (Connection c = DriverManager.getConnection(stack.database.jdbcUrl(), stack.database.user(),
                stack.database.password());
             PreparedStatement s = c.prepareStatement("select count(*) from control_execution "
                     + "where event_id = any(?) and chain_partition is not null")) {
            s.setArray(1, c.createArrayOf("text", eventIds.toArray()));
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    static int update(String sql, String executionId) throws Exception {
        try (Connection c = DriverManager.getConnection(stack.database.jdbcUrl(), stack.database.user(),
                stack.database.password());
             PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, executionId);
            return s.executeUpdate();
        }
    }

    @Test
    void aPeriodExportedFromTheRealStackVerifiesOfflineAndARowChangedInPostgresIsNamed() throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant from = now.minus(Duration.ofMinutes(10));
        Instant to = now.plusSeconds(3);
        String user = "audited-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String id = UUID.randomUUID().toString();
            ids.add(id);
            post(login(id, user, i % 3 != 0, now)); // two of six without MFA: failures
        }
        await().atMost(WITHIN).until(() -> chained(ids) == ids.size());

        // the period closes once a checkpoint is signed after its end: evidence keeps flowing after it
        await().atMost(Duration.ofSeconds(30)).until(() -> Instant.now().isAfter(to.plusSeconds(1)));
        post(login(UUID.randomUUID().toString(), user, true, Instant.now().truncatedTo(ChronoUnit.SECONDS)));

        String location = as("auditor").contentType("application/json")
                .body("{\"from\":\"" + from + "\",\"to\":\"" + to + "\"}")
                .post(stack.alerting.url("/api/v1/exports")).then().statusCode(202).extract().header("Location");
        String exportUrl = location.startsWith("http") ? location : stack.alerting.url(location);
        await().atMost(WITHIN).until(() -> {
            String state = as("auditor").get(exportUrl).then().statusCode(200).extract().path("state");
            assertThat(state).isNotEqualTo("FAILED");
            return "DONE".equals(state);
        });
        byte[] zip = as("auditor").get(exportUrl + "/bundle").then().statusCode(200).extract().asByteArray();
        Path bundle = Files.write(dir.resolve("period.zip"), zip);
        List<String> pems = as("auditor").get(stack.alerting.url("/api/v1/evidence/public-key")).then()
                .statusCode(200).extract().path("keys.pem");
        Path keys = Files.writeString(dir.resolve("keys.pem"), String.join("\n", pems));

        // the offline verifier, as an auditor runs it: exit code 0, and it says why
        Path verifierJar = Path.of(System.getProperty("cw.repo.root", ".."), "evidence-integrity", "target",
                "evidence-verifier.jar");
        assertThat(verifierJar).exists();
        Process verifier = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", verifierJar.toString(), bundle.toString(), "--public-key", keys.toString())
                .redirectErrorStream(true).start();
        String report = new String(verifier.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(verifier.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(verifier.exitValue()).as(report).isZero();
        assertThat(report).contains("VERIFIED");

        // the live store verifies, against checkpoints that are also on the checkpoint topic
        JsonPath ok = verify(from, to);
        assertThat(ok.getString("result")).as(ok.prettify()).isEqualTo("ok");
        assertThat(ok.getString("checkpointTopic.state")).isEqualTo("compared");
        assertThat(ok.getLong("checkpointTopic.published")).isPositive();

        // someone with database access turns a failure into a pass
        String tampered = executionOf(ids.get(0));
        assertThat(update("update control_execution set result = 'PASS' where execution_id = cast(? as uuid)",
                tampered)).isEqualTo(1);
        try {
            JsonPath broken = verify(from, to);
            assertThat(broken.getString("result")).as(broken.prettify()).isEqualTo("broken");
            assertThat(broken.getString("firstBroken.code")).isEqualTo("row-changed");
            assertThat(broken.getString("firstBroken.executionId")).isEqualTo(tampered);
        } finally {
            update("update control_execution set result = 'FAIL' where execution_id = cast(? as uuid)", tampered);
        }
        assertThat(verify(from, to).getString("result")).isEqualTo("ok");
    }

    static JsonPath verify(Instant from, Instant to) {
        return as("auditor").queryParam("from", from.toString()).queryParam("to", to.toString())
                .get(stack.alerting.url("/api/v1/evidence/verify")).then().statusCode(200).extract().jsonPath();
    }
}
