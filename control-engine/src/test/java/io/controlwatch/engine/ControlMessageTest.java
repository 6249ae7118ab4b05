package io.controlwatch.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.controlwatch.model.CloudEvent;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ExecutionResult;
import io.controlwatch.model.ModelJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A control's {@code message}: checked when the pack loads, rendered into every failure, never failing one. */
class ControlMessageTest {

    static String pack(String rule, String message) {
        return """
                pack: test
                formatVersion: 1
                controls:
                  - id: cc6.1-x
                    title: X
                    criteria: [CC6.1]
                    severity: high
                    message: %s
                %s""".formatted(message, rule.indent(4));
    }

    static final String MFA_RULE = """
            event:
              on: [auth.login]
              when: data.outcome == "success"
              subject: data.user
              violation: data.mfa != true""";

    static ControlEngine engine(String rule, String message) {
        return ControlEngine.compile(ControlPackLoader.parse(pack(rule, message), "test.yaml"));
    }

    static CloudEvent event(String id, String time, String type, String json) {
        JsonNode data;
        try {
            data = ModelJson.mapper().readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
        return new CloudEvent("1.0", id, "https://idp.example.com", type, null, OffsetDateTime.parse(time),
                "application/json", null, data);
    }

    static List<ControlExecution> evaluate(ControlEngine engine, CloudEvent... events) {
        StatefulRuntime runtime = new StatefulRuntime(engine);
        InMemoryRuleStore store = new InMemoryRuleStore();
        List<ControlExecution> out = new ArrayList<>();
        for (CloudEvent e : events) {
            Instant at = e.time().toInstant();
            ControlEngine.Evaluation evaluation = engine.evaluate(e, at, at);
            out.addAll(evaluation.executions());
            evaluation.routed().forEach(r -> out.addAll(runtime.onEvent(r, store, at)));
        }
        return out;
    }

    // --- rendering ---

    @Test
    void aFailureCarriesTheRenderedMessageAndKeepsItsMachineReason() {
        ControlEngine engine = engine(MFA_RULE, "'{{data.user}} logged in to {{data.app}} without MFA'");

        List<ControlExecution> results = evaluate(engine,
                event("e1", "2026-01-05T10:00:00Z", "auth.login", """
                        {"user": "alice@example.com", "app": "aws-console", "outcome": "success", "mfa": false}"""));

        assertThat(results).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.FAIL);
            assertThat(e.message()).isEqualTo("alice@example.com logged in to aws-console without MFA");
            assertThat(e.reason()).isEqualTo("violated: data.mfa != true");
        });
    }

    @Test
    void passesAndErrorsCarryNoMessageBecauseTheMessageDescribesADeviation() {
        ControlEngine engine = engine(MFA_RULE, "'{{data.user}} logged in without MFA'");

        List<ControlExecution> results = evaluate(engine,
                event("e1", "2026-01-05T10:00:00Z", "auth.login", """
                        {"user": "bob", "outcome": "success", "mfa": true}"""),
                event("e2", "2026-01-05T10:00:00Z", "auth.login", """
                        {"user": "carol", "outcome": "success"}"""));

        assertThat(results).extracting(ControlExecution::result).containsExactly(ExecutionResult.PASS, ExecutionResult.ERROR);
        assertThat(results).extracting(ControlExecution::message).containsOnlyNulls();
    }

    @Test
    void aMissingNullOrMistypedValueRendersVisiblyAndTheFailureIsStillRecorded() {
        ControlEngine engine = engine(MFA_RULE,
                "'{{data.user}} on {{data.app}} from {{data.ip}} ({{data.device.os}}, {{data.user + 1}}, subject \"{{event.subject}}\")'");

        List<ControlExecution> results = evaluate(engine,
                event("e1", "2026-01-05T10:00:00Z", "auth.login", """
                        {"user": "alice", "ip": null, "device": "laptop", "outcome": "success", "mfa": false}"""));

        assertThat(results).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.FAIL);
            // `event` is typed: an absent attribute reads as its zero value, "" (has(event.subject) tells them apart)
            assertThat(e.message()).isEqualTo("alice on <missing data.app> from <missing data.ip> (<missing data.device.os>, "
                    + "<missing data.user + 1>, subject \"\")");
        });
    }

    @Test
    void anOptionalPartRendersAsNothingWhenItsFieldIsAbsent() {
        ControlEngine engine = engine(MFA_RULE, "'{{data.user}} logged in{{\"app\" in data ? \" to \" + data.app : \"\"}} without MFA'");

        List<ControlExecution> results = evaluate(engine,
                event("e1", "2026-01-05T10:00:00Z", "auth.login", "{\"user\": \"a\", \"outcome\": \"success\", \"mfa\": false}"),
                event("e2", "2026-01-05T10:00:00Z", "auth.login", "{\"user\": \"b\", \"app\": \"vpn\", \"outcome\": \"success\", \"mfa\": false}"));

        assertThat(results).extracting(ControlExecution::message)
                .containsExactly("a logged in without MFA", "b logged in to vpn without MFA");
    }

    @Test
    void valuesOfEveryTypeRenderReadably() {
        ControlEngine engine = engine(MFA_RULE,
                "'{{data.n}} {{data.d}} {{data.f}} {{data.mfa}} {{data.list}} {{data.obj}} {{timestamp(\"2026-01-05T10:00:00Z\")}}'");

        List<ControlExecution> results = evaluate(engine, event("e1", "2026-01-05T10:00:00Z", "auth.login", """
                {"user": "u", "outcome": "success", "mfa": false, "n": 3, "d": 80.0, "f": 80.5, "list": ["a", 1], "obj": {"k": "v"}}"""));

        assertThat(results).singleElement().extracting(ControlExecution::message)
                .isEqualTo("3 80 80.5 false [a, 1] {k: v} 2026-01-05T10:00:00Z");
    }

    @Test
    void controlCharactersInValuesAreReplacedSoTheMessageStaysOneSafeLine() {
        ControlEngine engine = engine(MFA_RULE, "'{{data.user}} logged in without MFA'");

        List<ControlExecution> results = evaluate(engine, event("e1", "2026-01-05T10:00:00Z", "auth.login", """
                {"user": "mallory\\n2026-01-05 INFO all good\\r\\u0007\\u202eevil\\u2028x\\tz \\ud83d\\ude00", "outcome": "success", "mfa": false}"""));

        assertThat(results).singleElement().extracting(ControlExecution::message)
                .isEqualTo("mallory\uFFFD2026-01-05 INFO all good\uFFFD\uFFFD\uFFFDevil\uFFFDx\uFFFDz \uD83D\uDE00 logged in without MFA");
    }

    @Test
    void aLongMessageIsCutWithAnEllipsisAtTheBound() {
        ControlEngine engine = engine(MFA_RULE, "'{{data.user}} logged in without MFA'");
        String huge = "u".repeat(5000);

        List<ControlExecution> results = evaluate(engine, event("e1", "2026-01-05T10:00:00Z", "auth.login",
                "{\"user\": \"" + huge + "\", \"outcome\": \"success\", \"mfa\": false}"));

        assertThat(results).singleElement().extracting(ControlExecution::message).satisfies(m -> {
            assertThat(m).hasSize(MessageTemplate.MAX_RENDERED_LENGTH).endsWith("u…");
        });
    }

    // --- stateful rules: the facts their state holds ---

    @Test
    void aThresholdFailureNamesKeyCountAndWindow() {
        ControlEngine engine = engine("""
                threshold: {on: [auth.login], when: 'data.outcome == "failure"', key: data.user, window: 5m, atLeast: 3}""",
                "'{{count}} failed logins for {{key}} within {{window}} (threshold {{atLeast}}, window {{windowStart}} to {{windowEnd}})'");

        List<ControlExecution> results = evaluate(engine,
                event("f1", "2026-01-05T10:00:05Z", "auth.login", "{\"user\": \"alice\", \"outcome\": \"failure\"}"),
                event("f2", "2026-01-05T10:00:15Z", "auth.login", "{\"user\": \"alice\", \"outcome\": \"failure\"}"),
                event("f3", "2026-01-05T10:00:25Z", "auth.login", "{\"user\": \"alice\", \"outcome\": \"failure\"}"));

        assertThat(results).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.FAIL);
            assertThat(e.message()).isEqualTo("3 failed logins for alice within 5m (threshold 3, window "
                    + "2026-01-05T10:00:00Z to 2026-01-05T10:05:00Z)");
        });
    }

    @Test
    void anAbsenceFailureNamesKeyIntervalDeadlineAndLastArrival() {
        ControlEngine engine = engine("""
                absence: {expect: [backup.completed], key: data.system, within: 26h, grace: 0s}""",
                "'no backup of {{key}} for {{within}} (expected {{expected}} by {{deadline}}, last {{lastSeen}})'");
        StatefulRuntime runtime = new StatefulRuntime(engine);
        InMemoryRuleStore store = new InMemoryRuleStore();
        CloudEvent backup = event("b1", "2026-01-05T00:00:00Z", "backup.completed", "{\"system\": \"orders-db\"}");
        List<ControlExecution> results = new ArrayList<>();
        engine.evaluate(backup, backup.time().toInstant(), backup.time().toInstant()).routed()
                .forEach(r -> results.addAll(runtime.onEvent(r, store, Instant.parse("2026-01-05T00:00:00Z"))));
        results.addAll(runtime.onTime(Instant.parse("2026-01-06T03:00:00Z"), store, Instant.parse("2026-01-06T03:00:00Z")));

        assertThat(results).extracting(ControlExecution::result).containsExactly(ExecutionResult.PASS, ExecutionResult.FAIL);
        assertThat(results.get(0).message()).isNull();
        assertThat(results.get(1).message()).isEqualTo("no backup of orders-db for 26h (expected backup.completed by "
                + "2026-01-06T02:00:00Z, last 2026-01-05T00:00:00Z)");
    }

    @Test
    void aCorrelationFailureNamesBothEventsAndTheGap() {
        ControlEngine engine = engine("""
                correlation:
                  first: {on: [hr.employee.terminated], key: data.email}
                  then: {on: [auth.login], key: data.user}
                  mode: not-followed-after
                  after: 24h
                  grace: 0s""",
                "'{{key}} logged in {{gap}} after termination ({{first.type}} {{first.id}} at {{first.time}}; login {{then.id}}; allowed {{after}})'");

        List<ControlExecution> results = evaluate(engine,
                event("t1", "2026-01-05T09:00:00Z", "hr.employee.terminated", "{\"email\": \"dan@example.com\"}"),
                event("l1", "2026-01-08T13:30:00Z", "auth.login", "{\"user\": \"dan@example.com\"}"));

        assertThat(results).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.FAIL);
            assertThat(e.message()).isEqualTo("dan@example.com logged in 3d 4h after termination (hr.employee.terminated t1 "
                    + "at 2026-01-05T09:00:00Z; login l1; allowed 1d)");
        });
    }

    @Test
    void aFollowedWithinFailureDecidedByTimeNamesTheFirstEventAndItsDeadline() {
        ControlEngine engine = engine("""
                correlation:
                  first: {on: [incident.declared], key: data.incidentId}
                  then: {on: [incident.postmortem.published], key: data.incidentId}
                  mode: followed-within
                  within: 10d
                  grace: 0s""",
                "'incident {{key}} has no post-mortem {{within}} after it was declared ({{first.id}}, due {{deadline}})'");
        StatefulRuntime runtime = new StatefulRuntime(engine);
        InMemoryRuleStore store = new InMemoryRuleStore();
        CloudEvent declared = event("i1", "2026-01-05T00:00:00Z", "incident.declared", "{\"incidentId\": \"INC-7\"}");
        engine.evaluate(declared, declared.time().toInstant(), declared.time().toInstant()).routed()
                .forEach(r -> runtime.onEvent(r, store, declared.time().toInstant()));

        List<ControlExecution> results = runtime.onTime(Instant.parse("2026-01-16T00:00:00Z"), store, Instant.parse("2026-01-16T00:00:00Z"));

        assertThat(results).singleElement().extracting(ControlExecution::message)
                .isEqualTo("incident INC-7 has no post-mortem 10d after it was declared (i1, due 2026-01-15T00:00:00Z)");
    }

    // --- checked when the pack loads ---

    static Stream<Arguments> invalidTemplates() {
        return Stream.of(
                Arguments.of("unclosed placeholder", MFA_RULE, "'{{data.user logged in'", "'{{' at character 1 is not closed"),
                Arguments.of("stray closing braces", MFA_RULE, "'data.user}} logged in'", "'}}' at character 10 has no '{{'"),
                Arguments.of("empty placeholder", MFA_RULE, "'{{ }} logged in'", "empty placeholder at character 1"),
                Arguments.of("placeholder that does not parse", MFA_RULE, "'{{data.user ==}} logged in'",
                        "placeholder {{ data.user == }} does not compile"),
                Arguments.of("undeclared variable", MFA_RULE, "'{{user}} logged in'",
                        "placeholder {{ user }} does not compile: ERROR: <input>:1:1: undeclared reference to 'user'"),
                Arguments.of("empty message", MFA_RULE, "''", "'message' must not be empty"),
                Arguments.of("more than one line", MFA_RULE, "|\n      {{data.user}}\n      logged in",
                        "must be one line without control characters"),
                Arguments.of("too long", MFA_RULE, "'" + "x".repeat(MessageTemplate.MAX_TEMPLATE_LENGTH + 1) + "'",
                        "is 1001 characters long; at most 1000"),
                Arguments.of("too many placeholders", MFA_RULE, "'" + "{{data.user}} ".repeat(MessageTemplate.MAX_PLACEHOLDERS + 1) + "'",
                        "has more than 20 placeholders"),
                Arguments.of("a stateful control's message naming the payload", """
                        threshold: {on: [auth.login], key: data.user, window: 5m, atLeast: 3}""", "'{{data.user}} failed'",
                        "(a threshold control's message sees key, count, atLeast, window, windowStart, windowEnd, not the event's data"),
                Arguments.of("a variable of another correlation mode", """
                        correlation:
                          first: {on: [a], key: data.k}
                          then: {on: [b], key: data.k}
                          mode: preceded-within
                          within: 1h""", "'{{first.id}} missing'", "undeclared reference to 'first'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidTemplates")
    void aTemplateThatCannotRenderIsAPackErrorWithTheLineOfTheMessage(String name, String rule, String message, String reason) {
        assertThatThrownBy(() -> ControlPackLoader.parse(pack(rule, message), "packs/broken.yaml"))
                .isInstanceOf(ControlPackException.class)
                // line 8: the 'message' field of the control that starts on line 4
                .hasMessageStartingWith("Invalid control pack packs/broken.yaml:8, control 'cc6.1-x': 'message' ")
                .hasMessageContaining(reason);
    }

    @Test
    void aControlWithoutAMessageHasNoneAndItsFailuresFallBackToTheReason() {
        ControlPack pack = ControlPackLoader.parse(ControlPackLoaderTest.pack(ControlPackLoaderTest.VALID_CONTROL), "t.yaml");
        assertThat(pack.controls()).singleElement().extracting(Control::message).isNull();

        List<ControlExecution> results = evaluate(ControlEngine.compile(pack), event("e1", "2026-01-05T10:00:00Z",
                "auth.login", "{\"user\": \"u\", \"outcome\": \"success\", \"mfa\": false}"));
        assertThat(results).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.FAIL);
            assertThat(e.message()).isNull();
        });
    }

    @Test
    void changingTheMessageChangesTheControlsVersion() {
        String a = ControlPackLoader.parse(pack(MFA_RULE, "'{{data.user}} without MFA'"), "a.yaml").controls().get(0).version();
        String b = ControlPackLoader.parse(pack(MFA_RULE, "'{{data.user}} logged in without MFA'"), "b.yaml").controls().get(0).version();
        assertThat(a).isNotEqualTo(b);
    }
}
