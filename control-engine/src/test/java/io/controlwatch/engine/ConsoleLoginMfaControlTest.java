package io.controlwatch.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.controlwatch.model.CloudEvent;
import io.controlwatch.model.ExecutionResult;
import io.controlwatch.model.ModelJson;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Table-driven: the shipped SOC 2 pack, one event in, the expected execution (or none) out. */
class ConsoleLoginMfaControlTest {

    static final String CONTROL = "cc6.1-console-login-mfa";
    static ControlEngine engine;

    @BeforeAll
    static void loadShippedPack() {
        engine = ControlEngine.compile(ControlPackLoader.load(Path.of("../control-packs/soc2/controls.yaml")));
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                // name, type, data, expected result (null = not applicable), expected subject
                Arguments.of("successful login without MFA fails", "auth.login",
                        "{\"user\":\"alice@example.com\",\"mfa\":false,\"outcome\":\"success\"}", ExecutionResult.FAIL, "alice@example.com"),
                Arguments.of("successful login with MFA passes", "auth.login",
                        "{\"user\":\"bob@example.com\",\"mfa\":true,\"outcome\":\"success\"}", ExecutionResult.PASS, "bob@example.com"),
                Arguments.of("failed login without MFA passes (no access granted)", "auth.login",
                        "{\"user\":\"carol@example.com\",\"mfa\":false,\"outcome\":\"failure\"}", ExecutionResult.PASS, "carol@example.com"),
                Arguments.of("extra fields are ignored", "auth.login",
                        "{\"user\":\"dan@example.com\",\"mfa\":true,\"outcome\":\"success\",\"ip\":\"203.0.113.7\"}", ExecutionResult.PASS, "dan@example.com"),
                Arguments.of("missing mfa field is an error, not a pass", "auth.login",
                        "{\"user\":\"erin@example.com\",\"outcome\":\"success\"}", ExecutionResult.ERROR, "erin@example.com"),
                Arguments.of("mfa not proven (wrong type) fails", "auth.login",
                        "{\"user\":\"erin@example.com\",\"mfa\":\"no\",\"outcome\":\"success\"}", ExecutionResult.FAIL, "erin@example.com"),
                Arguments.of("no data at all is an error", "auth.login", null, ExecutionResult.ERROR, "subject-of-event"),
                Arguments.of("other event types are not applicable", "backup.completed",
                        "{\"system\":\"orders-db\",\"status\":\"success\"}", null, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void evaluates(String name, String type, String data, ExecutionResult expected, String expectedSubject) throws Exception {
        JsonNode payload = data == null ? null : ModelJson.mapper().readTree(data);
        CloudEvent event = new CloudEvent("1.0", "evt-1", "https://idp.example.com", type, "subject-of-event",
                OffsetDateTime.parse("2026-11-28T09:00:00Z"), "application/json", null, payload);

        List<Verdict> verdicts = engine.evaluate(event);

        if (expected == null) {
            assertThat(verdicts).isEmpty();
            return;
        }
        assertThat(verdicts).hasSize(1);
        Verdict verdict = verdicts.get(0);
        assertThat(verdict.control().id()).isEqualTo(CONTROL);
        assertThat(verdict.result()).isEqualTo(expected);
        assertThat(verdict.subject()).isEqualTo(expectedSubject);
        if (expected != ExecutionResult.PASS) {
            assertThat(verdict.reason()).isNotBlank();
        }
    }
}
