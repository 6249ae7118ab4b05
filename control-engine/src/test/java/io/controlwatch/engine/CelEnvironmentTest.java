package io.controlwatch.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.controlwatch.model.CloudEvent;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ExecutionResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.time.OffsetDateTime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The typed CEL environment: type errors when the pack loads, explained errors when an event does not fit. */
class CelEnvironmentTest {

    static String pack(String rule) {
        return """
                pack: test
                formatVersion: 1
                controls:
                  - id: cc7.2-typed
                    title: A control
                    criteria: [CC7.2]
                    severity: medium
                    event:
                      on: [a]
                %s""".formatted(rule.indent(6));
    }

    /** Each expression misuses a typed attribute of {@code event}; the pack must not load. */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            violation | event.time.getDayOfWeek() == "Monday"        | no matching overload
            violation | event.time.startsWith("2026")                | no matching overload
            violation | event.time > "2026-03-02T00:00:00Z"          | no matching overload
            violation | event.id > 5                                 | no matching overload
            violation | event.time.getHours() > 1.5                  | true
            violation | event.idd == "x"                             | undefined field 'idd'
            violation | size(event.time) > 0                         | no matching overload
            violation | event.subject                                | expected type 'bool'
            violation | event.time - duration("1h") == 5             | no matching overload
            violation | event.cwbackfill == "true"                   | no matching overload
            subject   | event.time                                   | expected type 'string'
            subject   | event.time.getDayOfWeek()                    | expected type 'string'
            subject   | event.subject + 1                            | no matching overload
            """)
    void aMistypedUseOfEventFailsAtLoadWithACaret(String field, String expression, String problem) {
        String rule = field.equals("violation") ? "violation: '" + expression.replace("'", "''") + "'"
                : "violation: 'true'\nsubject: '" + expression.replace("'", "''") + "'";
        if (problem.equals("true")) {
            // int and double compare (heterogeneous numeric comparison is on): not a type error, and must stay so
            assertThat(ControlPackLoader.parse(pack(rule), "typed.yaml").controls()).hasSize(1);
            return;
        }
        assertThatThrownBy(() -> ControlPackLoader.parse(pack(rule), "typed.yaml"))
                .isInstanceOf(ControlPackException.class)
                .hasMessageContaining("'event." + field + "' does not compile")
                .hasMessageContaining(problem)
                // the expression, then a caret line under the problem
                .hasMessageContaining(" | " + expression + "\n | ")
                .hasMessageMatching("(?s).*\n \\| \\.*\\^.*")
                // reported at the expression's line (10 or 11), not the control's (4)
                .satisfies(e -> assertThat(((ControlPackException) e).line()).isEqualTo(field.equals("violation") ? 10 : 11));
    }

    @Test
    void aTypoInAControlIsReportedAtItsOwnLine() {
        String yaml = pack("violaton: 'true'");
        assertThatThrownBy(() -> ControlPackLoader.parse(yaml, "typo.yaml"))
                .hasMessageStartingWith("Invalid control pack typo.yaml:10, control 'cc7.2-typed'")
                .hasMessageContaining("unknown field 'violaton'");
        String metadataTypo = yaml.replace("severity: medium", "severty: medium");
        assertThatThrownBy(() -> ControlPackLoader.parse(metadataTypo, "typo.yaml"))
                .hasMessageStartingWith("Invalid control pack typo.yaml:7, control 'cc7.2-typed'")
                .hasMessageContaining("unknown field 'severty'");
    }

    @Test
    void aRunTimeErrorNamesControlExpressionValueTypesAndEvent() throws Exception {
        ControlEngine engine = ControlEngine.compile(ControlPackLoader.parse(
                pack("violation: data.count > 5\nsubject: data.number"), "runtime.yaml"));

        ControlExecution wrongSubject = evaluate(engine, "e-17", "{\"number\": 7, \"count\": 1}");
        assertThat(wrongSubject.result()).isEqualTo(ExecutionResult.ERROR);
        assertThat(wrongSubject.reason()).startsWith("evaluation error")
                .contains("cc7.2-typed").contains("'data.number'").contains("gave int, not a string")
                .contains("data.number is int").contains("e-17");

        ControlExecution wrongCount = evaluate(engine, "e-18", "{\"number\": \"7\", \"count\": \"many\"}");
        assertThat(wrongCount.reason()).contains("cc7.2-typed").contains("'data.count > 5'")
                .contains("data.count is string").contains("e-18");

        ControlExecution missing = evaluate(engine, "e-19", "{\"number\": \"7\"}");
        assertThat(missing.reason()).contains("'data.count > 5'").contains("data.count is missing").contains("e-19");

        ControlEngine timed = ControlEngine.compile(ControlPackLoader.parse(
                pack("violation: data.since < event.time"), "runtime.yaml"));
        assertThat(evaluate(timed, "e-20", "{\"since\": \"2026-03-01T00:00:00Z\"}").reason())
                .contains("data.since is string, event.time is timestamp");
    }

    @Test
    void eventTimeIsATimestampWithTimeZones() throws Exception {
        // 2026-03-02 is a Monday; 23:30 UTC is already Tuesday 00:30 in Berlin (CET, +01:00)
        ControlEngine engine = ControlEngine.compile(ControlPackLoader.parse(pack("""
                violation: >
                  event.time.getDayOfWeek() == 1 && event.time.getDayOfWeek("Europe/Berlin") == 2
                  && event.time.getHours("Europe/Berlin") == 0 && event.time.getHours() == 23
                  && event.time - timestamp("2026-03-02T23:00:00Z") == duration("30m")
                  && !has(event.subject) && has(event.time) && event.id == "e-1\""""), "time.yaml"));

        ControlExecution execution = evaluate(engine, "e-1", "{}");
        assertThat(execution.reason()).startsWith("violated:");
    }

    static ControlExecution evaluate(ControlEngine engine, String id, String json) throws Exception {
        CloudEvent event = new CloudEvent("1.0", id, "https://test", "a", null,
                OffsetDateTime.parse("2026-03-02T23:30:00Z"), "application/json", null, new ObjectMapper().readTree(json));
        Instant now = Instant.parse("2026-03-02T23:30:00Z");
        return engine.evaluate(event, now, now).executions().get(0);
    }

    /** A condition or subject whose value is of the wrong type names the type it gave, as CEL spells it. */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            violation | dyn(data.s)                  | gave string, not a bool
            violation | dyn(data.n)                  | gave int, not a bool
            violation | dyn(uint(data.n))            | gave uint, not a bool
            violation | dyn(data.d)                  | gave double, not a bool
            violation | dyn(b"x")                    | gave bytes, not a bool
            violation | dyn(data.l)                  | gave list, not a bool
            violation | dyn(data.o)                  | gave map, not a bool
            violation | dyn(data.z)                  | gave null, not a bool
            violation | dyn(event.time)              | gave timestamp, not a bool
            violation | dyn(duration("1m"))          | gave duration, not a bool
            violation | dyn(event)                   | gave controlwatch.v1.Event, not a bool
            subject   | dyn(data.b)                  | gave bool, not a string
            """)
    void aValueOfTheWrongTypeIsAnErrorNamingTheType(String field, String expression, String problem) throws Exception {
        String rule = field.equals("violation") ? "violation: '" + expression + "'"
                : "violation: 'true'\nsubject: '" + expression + "'";
        ControlEngine engine = ControlEngine.compile(ControlPackLoader.parse(pack(rule), "types.yaml"));

        ControlExecution execution = evaluate(engine, "e-1",
                "{\"s\": \"x\", \"n\": 7, \"d\": 1.5, \"l\": [1], \"o\": {\"k\": 1}, \"z\": null, \"b\": true}");

        assertThat(execution.result()).isEqualTo(ExecutionResult.ERROR);
        assertThat(execution.reason()).startsWith("evaluation error in control cc7.2-typed on event e-1: '" + expression + "' " + problem);
    }

    @Test
    void theTypesOfEveryValueTheExpressionReadAreListedInOrder() throws Exception {
        ControlEngine engine = ControlEngine.compile(ControlPackLoader.parse(
                pack("violation: 'has(data.skip) || data.a + data.b.c > event.time.getHours() && event == event'"), "types.yaml"));

        assertThat(evaluate(engine, "e-2", "{\"a\": \"x\", \"b\": {\"c\": 1.5}}").reason())
                .endsWith(" (data.a is string, data.b.c is double, event.time is timestamp, event is controlwatch.v1.Event)");
    }
}
