package io.controlwatch.engine;

import io.controlwatch.model.Severity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ControlPackLoaderTest {

    static final String VALID_CONTROL = """
              - id: cc6.1-console-login-mfa
                title: Console logins require MFA
                criteria: [CC6.1]
                severity: high
                appliesTo: [auth.login]
                violation: data.outcome == "success" && data.mfa == false
            """;

    static String pack(String controls) {
        return "pack: test\nformatVersion: 1\ncontrols:\n" + controls;
    }

    @Test
    void loadsAValidPackWithItsMetadataAndVersions() {
        ControlPack pack = ControlPackLoader.parse(pack(VALID_CONTROL), "test.yaml");

        assertThat(pack.name()).isEqualTo("test");
        assertThat(pack.version()).startsWith("sha256:");
        assertThat(pack.controls()).singleElement().satisfies(control -> {
            assertThat(control.id()).isEqualTo("cc6.1-console-login-mfa");
            assertThat(control.criteria()).containsExactly("CC6.1");
            assertThat(control.severity()).isEqualTo(Severity.HIGH);
            assertThat(control.version()).startsWith("sha256:");
            assertThat(control.line()).isEqualTo(4);
        });
    }

    @Test
    void versionIgnoresFormattingButNotMeaning() {
        String reformatted = pack(VALID_CONTROL.replace("criteria: [CC6.1]", "criteria:\n      - CC6.1   # comment"));
        String changed = pack(VALID_CONTROL.replace("severity: high", "severity: critical"));

        String original = ControlPackLoader.parse(pack(VALID_CONTROL), "a.yaml").controls().get(0).version();
        assertThat(ControlPackLoader.parse(reformatted, "b.yaml").controls().get(0).version()).isEqualTo(original);
        assertThat(ControlPackLoader.parse(changed, "c.yaml").controls().get(0).version()).isNotEqualTo(original);
    }

    static Stream<Arguments> invalidPacks() {
        return Stream.of(
                Arguments.of("not YAML", "pack: [unclosed", null, "is not valid YAML"),
                Arguments.of("wrong format version", "pack: test\nformatVersion: 2\ncontrols: []\n", null, "formatVersion must be 1"),
                Arguments.of("no controls", "pack: test\nformatVersion: 1\ncontrols: []\n", null, "at least one control"),
                Arguments.of("unknown pack field", "pack: test\nformatVersion: 1\nkontrols: []\n", null, "unknown field 'kontrols'"),
                Arguments.of("unknown control field (typo)", pack(VALID_CONTROL.replace("violation:", "violaton:")),
                        "cc6.1-console-login-mfa", "unknown field 'violaton'"),
                Arguments.of("CEL syntax error", pack(VALID_CONTROL.replace("data.mfa == false", "data.mfa == ")),
                        "cc6.1-console-login-mfa", "'violation' does not compile"),
                Arguments.of("CEL condition is not a bool", pack(VALID_CONTROL.replace(
                                "data.outcome == \"success\" && data.mfa == false", "\"yes\"")),
                        "cc6.1-console-login-mfa", "'violation' does not compile"),
                Arguments.of("unknown CEL variable", pack(VALID_CONTROL.replace("data.mfa", "payload.mfa")),
                        "cc6.1-console-login-mfa", "undeclared reference to 'payload'"),
                Arguments.of("bad criterion", pack(VALID_CONTROL.replace("CC6.1", "CC10.1")),
                        "cc6.1-console-login-mfa", "not a Trust Services Criterion"),
                Arguments.of("bad severity", pack(VALID_CONTROL.replace("severity: high", "severity: urgent")),
                        "cc6.1-console-login-mfa", "unknown severity 'urgent'"),
                Arguments.of("missing appliesTo", pack(VALID_CONTROL.replace("    appliesTo: [auth.login]\n", "")),
                        "cc6.1-console-login-mfa", "'appliesTo' must list"),
                Arguments.of("missing title", pack(VALID_CONTROL.replace("    title: Console logins require MFA\n", "")),
                        "cc6.1-console-login-mfa", "'title' is required"),
                Arguments.of("bad id", pack(VALID_CONTROL.replace("cc6.1-console-login-mfa", "CC6 MFA")),
                        "CC6 MFA", "'id' must be"),
                Arguments.of("duplicate id", pack(VALID_CONTROL + VALID_CONTROL), "cc6.1-console-login-mfa", "duplicate control id"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidPacks")
    void refusesInvalidPacksNamingFileControlAndReason(String name, String yaml, String controlId, String reason) {
        assertThatThrownBy(() -> ControlPackLoader.parse(yaml, "packs/broken.yaml"))
                .isInstanceOf(ControlPackException.class)
                .hasMessageStartingWith("Invalid control pack packs/broken.yaml")
                .hasMessageContaining(reason)
                .satisfies(e -> assertThat(((ControlPackException) e).controlId()).isEqualTo(controlId));
    }

    @Test
    void reportsTheLineOfTheOffendingControl() {
        String yaml = pack(VALID_CONTROL + VALID_CONTROL.replace("cc6.1-console-login-mfa", "cc6.1-second")
                .replace("severity: high", "severity: urgent"));

        assertThatThrownBy(() -> ControlPackLoader.parse(yaml, "broken.yaml"))
                .hasMessageStartingWith("Invalid control pack broken.yaml:10, control 'cc6.1-second'");
    }
}
