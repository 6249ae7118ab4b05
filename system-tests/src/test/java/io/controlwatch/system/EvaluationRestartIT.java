package io.controlwatch.system;

import io.controlwatch.model.ExecutionIds;
import io.controlwatch.testsupport.TestTokens;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The CI smoke case of bench/faults.sh: the evaluation service is killed with SIGKILL while events flow through the
 * whole pipeline and restarted with the same configuration. PostgreSQL must then hold exactly one execution per
 * event ingest confirmed — none lost, none stored twice — and exactly one failure per violating event.
 */
class EvaluationRestartIT {

    static final String CONTROL = "cc6.1-console-login-mfa";
    static final int EVENTS = 3000;
    static final int BATCH = 100;
    /** Posted before the crash, and evaluated in part: the crash then hits a running stream. */
    static final int BEFORE_CRASH = 1000;

    static ControlWatchStack stack;

    final String run = UUID.randomUUID().toString().substring(0, 8);
    final String source = "urn:systest:restart-" + run;
    final String time = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();

    @BeforeAll
    static void startStack() {
        stack = ControlWatchStack.get();
    }

    /** Every fifth login skips MFA and must fail; the rest pass. */
    static boolean violates(int seq) {
        return seq % 5 == 0;
    }

    String id(int seq) {
        return run + "-" + seq;
    }

    String login(int seq) {
        String user = "user" + (seq % 40) + "-" + run + "@example.com";
        return """
                {"specversion":"1.0","id":"%s","source":"%s","type":"auth.login","subject":"%s","time":"%s",
                 "data":{"user":"%s","mfa":%s,"outcome":"success","app":"aws-console"}}"""
                .formatted(id(seq), source, user, time, user, !violates(seq));
    }

    void postBatches(int from, int to) {
        for (int first = from; first < to; first += BATCH) {
            StringJoiner batch = new StringJoiner(",", "[", "]");
            IntStream.range(first, Math.min(to, first + BATCH)).forEach(seq -> batch.add(login(seq)));
            given().auth().oauth2(TestTokens.withRoles("ingest")).contentType("application/cloudevents-batch+json")
                    .body(batch.toString()).when().post(stack.ingest.url("/api/v1/events")).then().statusCode(202);
        }
    }

    /** The first column of every row of a query on the evidence tables. */
    List<String> column(String sql, String... parameters) throws Exception {
        try (Connection c = DriverManager.getConnection(stack.database.jdbcUrl(), stack.database.user(), stack.database.password());
             PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                s.setString(i + 1, parameters[i]);
            }
            List<String> values = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    values.add(r.getString(1));
                }
            }
            return values;
        }
    }

    long count(String sql, String... parameters) throws Exception {
        return Long.parseLong(column(sql, parameters).get(0));
    }

    Set<String> storedExecutions() throws Exception {
        return new HashSet<>(column("select execution_id::text from control_execution where event_source = ? and control_id = ?",
                source, CONTROL));
    }

    @Test
    void aKilledAndRestartedEvaluationServiceLosesNoExecutionAndStoresNoneTwice() throws Exception {
        Set<String> expected = new HashSet<>();
        Set<String> expectedFailures = new HashSet<>();
        for (int seq = 0; seq < EVENTS; seq++) {
            String executionId = ExecutionIds.of(CONTROL, source, id(seq));
            expected.add(executionId);
            if (violates(seq)) {
                expectedFailures.add(executionId);
            }
        }

        postBatches(0, BEFORE_CRASH);
        await("first executions stored").atMost(Duration.ofSeconds(60)).until(() -> !storedExecutions().isEmpty());

        // the rest arrives while the evaluation service crashes: ingest keeps accepting, Kafka keeps the events
        CompletableFuture<Void> rest = CompletableFuture.runAsync(() -> postBatches(BEFORE_CRASH, EVENTS));
        stack.evaluation.kill();
        assertThat(stack.evaluation.isAlive()).isFalse();
        rest.get();
        int storedWhileDown = storedExecutions().size();

        stack.evaluation.restart();
        stack.evaluation.awaitReady(Duration.ofSeconds(120));
        await("every execution stored").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> storedExecutions().size() >= expected.size());

        assertThat(storedWhileDown).as("executions stored before the restart").isLessThan(expected.size());
        assertThat(storedExecutions()).as("executions of the run's events").isEqualTo(expected);
        assertThat(count("select count(*) - count(distinct event_id) from control_execution where event_source = ? and control_id = ?",
                source, CONTROL)).as("executions stored twice for one event").isZero();
        assertThat(column("select execution_id::text from control_failure where event_source = ? and control_id = ?", source, CONTROL))
                .as("failures of the run's violating events").containsExactlyInAnyOrderElementsOf(expectedFailures);
        // the control's running counts move only with rows actually inserted: a redelivery counted twice shows here
        assertThat(count("select executions from control where control_id = ?", CONTROL))
                .isEqualTo(count("select count(*) from control_execution where control_id = ?", CONTROL));
        assertThat(count("select failures from control where control_id = ?", CONTROL))
                .isEqualTo(count("select count(*) from control_failure where control_id = ?", CONTROL));
        List.of(stack.ingest, stack.evaluation, stack.alerting).forEach(s ->
                assertThat(ServiceProcess.status(s.url("/q/health/ready"))).as(s.name + " ready").isEqualTo(200));
    }
}
