package io.controlwatch.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.controlwatch.engine.internal.Executions;
import io.controlwatch.model.CloudEvent;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ExecutionIds;
import io.controlwatch.model.ExecutionResult;
import io.controlwatch.model.ModelJson;
import io.controlwatch.model.Severity;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;

import static io.controlwatch.engine.ControlPackLoaderTest.control;
import static io.controlwatch.engine.ControlPackLoaderTest.pack;
import static org.assertj.core.api.Assertions.assertThat;

/** What one event yields: the fields of an event control's execution, and the routes to stateful controls. */
class ControlEngineTest {

    static final Instant INGESTED = Instant.parse("2026-03-02T23:31:00Z");
    static final Instant EVALUATED = Instant.parse("2026-03-02T23:32:00Z");

    static ControlEngine engine(String controls) {
        return ControlEngine.compile(ControlPackLoader.parse(pack(controls), "engine.yaml"));
    }

    static JsonNode json(String json) {
        try {
            return ModelJson.mapper().readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static CloudEvent event(String id, String type, String subject, String json) {
        return new CloudEvent("1.0", id, "https://idp.example.com", type, subject, OffsetDateTime.parse("2026-03-02T23:30:00Z"),
                "application/json", null, json(json));
    }

    static ControlEngine.Evaluation evaluate(ControlEngine engine, CloudEvent event) {
        return engine.evaluate(event, INGESTED, EVALUATED);
    }

    @Test
    void aFailureCarriesEveryFieldAnAuditorReads() {
        String yaml = pack(ControlPackLoaderTest.VALID_CONTROL.replace("    event:", "    message: '{{data.user}} without MFA'\n    event:"));
        ControlPack pack = ControlPackLoader.parse(yaml, "engine.yaml");
        CloudEvent login = new CloudEvent("1.0", "e1", "https://idp.example.com", "auth.login", "alice",
                OffsetDateTime.parse("2026-03-02T23:30:00Z"), "application/json", null,
                json("{\"user\": \"alice\", \"outcome\": \"success\", \"mfa\": false}"), "token:ingest", true, "raw/1");

        ControlEngine.Evaluation evaluation = ControlEngine.compile(pack).evaluate(login, INGESTED, EVALUATED);

        assertThat(evaluation.routed()).isEmpty();
        Control control = pack.controls().get(0);
        assertThat(evaluation.executions()).singleElement().isEqualTo(new ControlExecution(
                ExecutionIds.of("cc6.1-console-login-mfa", "https://idp.example.com", "e1"), "cc6.1-console-login-mfa",
                control.version(), "Console logins require MFA", List.of("CC6.1"), Severity.HIGH, ExecutionResult.FAIL,
                "violated: data.outcome == \"success\" && data.mfa == false", "alice", "e1", "https://idp.example.com",
                "auth.login", Instant.parse("2026-03-02T23:30:00Z"), INGESTED, EVALUATED, "test", pack.version(),
                List.of("e1"), false, "token:ingest", true, "alice without MFA"));
    }

    @Test
    void aPassHasNoReasonAndNoMessage() {
        ControlEngine engine = engine(control("e-x", "event: {on: [a], violation: data.bad == true}\nmessage: 'bad'"));

        assertThat(evaluate(engine, event("e1", "a", "s", "{\"bad\": false}")).executions()).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.PASS);
            assertThat(e.reason()).isNull();
            assertThat(e.message()).isNull();
            assertThat(e.backfilled()).isFalse();
            assertThat(e.submitter()).isNull();
        });
    }

    @Test
    void theSubjectIsTheExpressionsValueElseTheEventsSubjectElseItsSource() {
        ControlEngine engine = engine(control("e-subject", "event: {on: [a], violation: 'false', subject: 'has(data.user) ? data.user : \"\"'}")
                + control("e-default", "event: {on: [b], violation: 'false'}"));

        assertThat(evaluate(engine, event("e1", "a", "repo", "{\"user\": \"alice\"}")).executions())
                .extracting(ControlExecution::subject).containsExactly("alice");
        assertThat(evaluate(engine, event("e2", "a", "repo", "{}")).executions())
                .extracting(ControlExecution::subject).containsExactly("repo");
        assertThat(evaluate(engine, event("e3", "a", null, "{\"user\": \"  \"}")).executions())
                .extracting(ControlExecution::subject).containsExactly("https://idp.example.com");
        assertThat(evaluate(engine, event("e4", "b", "repo", "{}")).executions())
                .extracting(ControlExecution::subject).containsExactly("repo");
        assertThat(evaluate(engine, event("e5", "b", " ", "{}")).executions())
                .extracting(ControlExecution::subject).containsExactly("https://idp.example.com");
    }

    @Test
    void eventsForWhichWhenIsFalseOrOfOtherTypesYieldNothing() {
        ControlEngine engine = engine(control("e-x", "event: {on: [a, b], when: data.applies == true, violation: 'true'}"));

        assertThat(evaluate(engine, event("e1", "a", "s", "{\"applies\": false}")).executions()).isEmpty();
        assertThat(evaluate(engine, event("e2", "c", "s", "{\"applies\": true}"))).isEqualTo(new ControlEngine.Evaluation(List.of(), List.of()));
        assertThat(evaluate(engine, event("e3", "b", "s", "{\"applies\": true}")).executions())
                .extracting(ControlExecution::result).containsExactly(ExecutionResult.FAIL);
        assertThat(engine.pack().name()).isEqualTo("test");
    }

    @Test
    void aControlOnEveryTypeSeesEveryEventAfterTheTypedOnes() {
        ControlEngine engine = engine(control("e-any", "event: {on: ['*'], violation: 'true'}")
                + control("e-typed", "event: {on: [a], violation: 'true'}"));

        assertThat(evaluate(engine, event("e1", "a", "s", "{}")).executions())
                .extracting(ControlExecution::controlId).containsExactly("e-typed", "e-any");
        assertThat(evaluate(engine, event("e2", "zzz", "s", "{}")).executions())
                .extracting(ControlExecution::controlId).containsExactly("e-any");
    }

    @Test
    void anExpressionFailingOnOneEventIsAnErrorOfThatControlOnly() {
        ControlEngine engine = engine(control("e-when", "event: {on: [a], when: data.n > 1, violation: 'true'}")
                + control("e-ok", "event: {on: [a], violation: 'false'}")
                + control("t-key", "threshold: {on: [a], key: data.user, window: 5m, atLeast: 3}"));

        ControlEngine.Evaluation evaluation = evaluate(engine, event("e9", "a", "s", "{\"n\": \"many\"}"));

        assertThat(evaluation.routed()).isEmpty();
        assertThat(evaluation.executions()).extracting(ControlExecution::controlId, ControlExecution::result).containsExactly(
                org.assertj.core.groups.Tuple.tuple("e-when", ExecutionResult.ERROR),
                org.assertj.core.groups.Tuple.tuple("e-ok", ExecutionResult.PASS),
                org.assertj.core.groups.Tuple.tuple("t-key", ExecutionResult.ERROR));
        assertThat(evaluation.executions().get(0)).satisfies(e -> {
            assertThat(e.reason()).startsWith("evaluation error in control e-when on event e9: 'data.n > 1' failed at character ")
                    .endsWith(" (data.n is string)");
            assertThat(e.message()).isNull();
            assertThat(e.subject()).isEqualTo("s");
            assertThat(e.evidenceEventIds()).containsExactly("e9");
        });
        assertThat(evaluation.executions().get(2).reason())
                .isEqualTo("evaluation error in control t-key on event e9: 'data.user' failed at character 4: key 'user' is not present in map. (data.user is missing)");
    }

    @Test
    void statefulControlsGetTheEventRoutedWithTheirKeyAndRole() {
        ControlPack pack = ControlPackLoader.parse(pack(
                control("t-x", "threshold: {on: [a], when: data.count == true, key: data.user, distinct: data.ip, window: 5m, atLeast: 3}")
                        + control("a-x", "absence: {expect: [a], key: data.system, within: 1h}")
                        + control("c-x", "correlation: {first: {on: [a], key: data.user}, then: {on: [a, b], key: data.system}, "
                        + "mode: followed-within, within: 1h}")), "routes.yaml");
        ControlEngine engine = ControlEngine.compile(pack);
        CloudEvent a = event("e1", "a", "s", "{\"count\": true, \"user\": \"alice\", \"ip\": \"10.0.0.1\", \"system\": \"db\"}");

        ControlEngine.Evaluation evaluation = engine.evaluate(a, INGESTED, EVALUATED);

        EventRef ref = new EventRef("e1", "https://idp.example.com", "a", Instant.parse("2026-03-02T23:30:00Z"), INGESTED, null, false);
        assertThat(evaluation.executions()).isEmpty();
        assertThat(evaluation.routed()).containsExactly(
                new RoutedEvent("t-x", pack.controls().get(0).version(), RoutedEvent.COUNT, "alice", "10.0.0.1", ref),
                new RoutedEvent("a-x", pack.controls().get(1).version(), RoutedEvent.EXPECTED, "db", null, ref),
                new RoutedEvent("c-x", pack.controls().get(2).version(), RoutedEvent.FIRST, "alice", null, ref),
                new RoutedEvent("c-x", pack.controls().get(2).version(), RoutedEvent.THEN, "db", null, ref));
        assertThat(evaluation.routed().get(0).stateKey()).isEqualTo(StateKeys.of("t-x", "alice"));

        // when false: the threshold does not count it; the others still do
        assertThat(engine.evaluate(event("e2", "b", "s", "{\"system\": \"db\"}"), INGESTED, EVALUATED).routed())
                .extracting(RoutedEvent::controlId, RoutedEvent::role)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("c-x", RoutedEvent.THEN));
    }

    @Test
    void anEventWithoutTimeIsPlacedAtItsIngestTime() {
        ControlEngine engine = engine(control("e-x", "event: {on: [a], violation: '!has(event.time) && int(event.time) == 0'}"));
        CloudEvent untimed = new CloudEvent("1.0", "e1", "src", "a", null, null, null, null, json("{}"));

        assertThat(evaluate(engine, untimed).executions()).singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo(ExecutionResult.FAIL);
            assertThat(e.eventTime()).isEqualTo(INGESTED);
            assertThat(e.subject()).isEqualTo("src");
        });
    }

    @Test
    void everyAttributeOfTheEventIsVisibleToCel() {
        ControlEngine engine = engine(control("e-x", """
                event:
                  on: [auth.login]
                  violation: >
                    event.specversion == "1.0" && event.id == "e1" && event.source == "https://idp"
                    && event.type == "auth.login" && event.subject == "alice"
                    && event.time == timestamp("2026-03-02T23:30:00.123456789Z")
                    && event.datacontenttype == "application/json" && event.dataschema == "https://schema/1"
                    && event.cwsubmitter == "token:ingest" && event.cwbackfill && event.cwraw == "raw/7"
                    && data.n == 3 && type(data.n) == int && data.d == 2.5 && type(data.d) == double
                    && data.b == true && data.s == "x" && data.l == [1, "a"] && data.o.k == "v" && data.z == null
                    && data.big == 9223372036854775807 && type(data.huge) == double"""));
        CloudEvent event = new CloudEvent("1.0", "e1", "https://idp", "auth.login", "alice",
                OffsetDateTime.parse("2026-03-02T23:30:00.123456789Z"), "application/json", "https://schema/1",
                json("{\"n\": 3, \"d\": 2.5, \"b\": true, \"s\": \"x\", \"l\": [1, \"a\"], \"o\": {\"k\": \"v\"}, \"z\": null, "
                        + "\"big\": 9223372036854775807, \"huge\": 92233720368547758070}"),
                "token:ingest", true, "raw/7");

        assertThat(evaluate(engine, event).executions()).singleElement()
                .satisfies(e -> assertThat(e.reason()).as(e.reason()).startsWith("violated:"));
    }

    @Test
    void anAbsentAttributeReadsAsItsZeroValueAndAnEventWithoutDataAsNull() {
        ControlEngine engine = engine(control("e-x", """
                event:
                  on: [a]
                  violation: >
                    event.subject == "" && !has(event.subject) && event.dataschema == "" && event.cwsubmitter == ""
                    && !event.cwbackfill && event.cwraw == "" && event.datacontenttype == "" && data == null"""));
        CloudEvent bare = new CloudEvent("1.0", "e1", "src", "a", null, OffsetDateTime.parse("2026-03-02T23:30:00Z"), null, null, null);

        assertThat(evaluate(engine, bare).executions()).singleElement()
                .satisfies(e -> assertThat(e.reason()).as(e.reason()).startsWith("violated:"));
    }

    @Test
    void aDecisionTakenByTimeAloneNamesTheTimerAsItsEvent() {
        ControlPack pack = ControlPackLoader.parse(pack(control("a-x", "absence: {expect: [a], key: data.system, within: 1h}")), "t.yaml");
        Control control = pack.controls().get(0);
        Instant deadline = Instant.parse("2026-03-03T00:00:00Z");

        ControlExecution byTime = Executions.decided(pack, control, "id-1", ExecutionResult.FAIL, "no a within 1h", "msg", "db",
                null, deadline, EVALUATED, List.of("e0"), true, true);

        assertThat(byTime).isEqualTo(new ControlExecution("id-1", "a-x", control.version(), "A control", List.of("CC7.2"),
                Severity.MEDIUM, ExecutionResult.FAIL, "no a within 1h", "db", "a-x/db/2026-03-03T00:00:00Z",
                Executions.TIMER_SOURCE, Executions.TIMER_TYPE, deadline, EVALUATED, EVALUATED, "test", pack.version(),
                List.of("e0"), true, null, true, "msg"));
        assertThat(Executions.TIMER_SOURCE).isEqualTo("urn:controlwatch:evaluation");
        assertThat(Executions.TIMER_TYPE).isEqualTo("controlwatch.deadline");
        assertThat(Executions.decided(pack, control, "id-2", ExecutionResult.PASS, null, null, "db", null, deadline, EVALUATED,
                List.of(), false).backfilled()).isFalse();

        EventRef deciding = new EventRef("e5", "src", "a", deadline, INGESTED, "token:x", true);
        assertThat(Executions.decided(pack, control, "id-3", ExecutionResult.PASS, null, null, "db", deciding, deadline, EVALUATED,
                List.of("e5"), false)).satisfies(e -> {
            assertThat(e.eventId()).isEqualTo("e5");
            assertThat(e.eventSource()).isEqualTo("src");
            assertThat(e.eventType()).isEqualTo("a");
            assertThat(e.ingestTime()).isEqualTo(INGESTED);
            assertThat(e.submitter()).isEqualTo("token:x");
            assertThat(e.backfilled()).isTrue();
        });
    }
}
