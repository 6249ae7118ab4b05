package io.controlwatch.engine;

import io.controlwatch.engine.rule.AbsenceRule;
import io.controlwatch.engine.rule.CorrelationRule;
import io.controlwatch.engine.rule.EventRule;
import io.controlwatch.engine.rule.ThresholdRule;
import io.controlwatch.model.Severity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ControlPackLoaderTest {

    static final String VALID_CONTROL = """
              - id: cc6.1-console-login-mfa
                title: Console logins require MFA
                criteria: [CC6.1]
                severity: high
                event:
                  on: [auth.login]
                  violation: data.outcome == "success" && data.mfa == false
            """;

    static String pack(String controls) {
        return "pack: test\nformatVersion: 1\ncontrols:\n" + controls;
    }

    static String control(String id, String rule) {
        return """
                  - id: %s
                    title: A control
                    criteria: [CC7.2]
                    severity: medium
                %s""".formatted(id, rule.indent(4));
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
            assertThat(control.maturity()).isEqualTo("stable");
            assertThat(control.frequency()).isEqualTo("continuous");
            assertThat(control.rule()).isInstanceOf(EventRule.class);
            assertThat(control.appliesTo()).containsExactly("auth.login");
            assertThat(control.line()).isEqualTo(4);
        });
    }

    @Test
    void readsEveryRuleKind() {
        ControlPack pack = ControlPackLoader.parse(pack(
                control("t-burst", """
                        threshold: {on: [auth.login], when: 'data.outcome == "failure"', key: data.user, window: 5m, advance: 1m, atLeast: 10}""")
                        + control("a-backup", """
                        absence: {expect: [backup.completed], key: data.system, within: 26h, keys: [orders-db], grace: 10m}""")
                        + control("c-deploy", """
                        correlation:
                          first: {on: [vcs.pull_request.merged], key: data.commit}
                          then: {on: [deploy.completed], key: data.commit}
                          mode: preceded-within
                          within: 30d""")), "kinds.yaml");

        assertThat(pack.controls().get(0).rule()).isEqualTo(new ThresholdRule(java.util.List.of("auth.login"),
                "data.outcome == \"failure\"", "data.user", null, Duration.ofMinutes(5), Duration.ofMinutes(1), 10,
                Duration.ofMinutes(1)));
        assertThat(pack.controls().get(1).rule()).isInstanceOfSatisfying(AbsenceRule.class, r -> {
            assertThat(r.within()).isEqualTo(Duration.ofHours(26));
            assertThat(r.keys()).containsExactly("orders-db");
            assertThat(r.passOnArrival()).isTrue();
        });
        assertThat(pack.controls().get(2).rule()).isInstanceOfSatisfying(CorrelationRule.class, r -> {
            assertThat(r.mode()).isEqualTo(CorrelationRule.Mode.PRECEDED_WITHIN);
            assertThat(r.within()).isEqualTo(Duration.ofDays(30));
            assertThat(r.eventTypes()).containsExactly("vcs.pull_request.merged", "deploy.completed");
        });
    }

    @Test
    void theStandardCelMacrosAreAvailable() {
        ControlPack pack = ControlPackLoader.parse(pack(control("e-macros",
                "event: {on: [a], violation: 'has(data.mfa) && data.roles.exists(r, r == \"admin\") && data.ports.all(p, p > 0)'}")),
                "macros.yaml");
        assertThat(pack.controls()).hasSize(1);
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
                Arguments.of("unknown rule field (typo)", pack(VALID_CONTROL.replace("violation:", "violaton:")),
                        "cc6.1-console-login-mfa", "unknown field 'violaton'"),
                Arguments.of("CEL syntax error", pack(VALID_CONTROL.replace("data.mfa == false", "data.mfa == ")),
                        "cc6.1-console-login-mfa", "'event.violation' does not compile"),
                Arguments.of("CEL condition is not a bool", pack(VALID_CONTROL.replace(
                                "data.outcome == \"success\" && data.mfa == false", "\"yes\"")),
                        "cc6.1-console-login-mfa", "'event.violation' does not compile"),
                Arguments.of("unknown CEL variable", pack(VALID_CONTROL.replace("data.mfa", "payload.mfa")),
                        "cc6.1-console-login-mfa", "undeclared reference to 'payload'"),
                Arguments.of("bad criterion", pack(VALID_CONTROL.replace("CC6.1", "CC10.1")),
                        "cc6.1-console-login-mfa", "not a Trust Services Criterion"),
                Arguments.of("bad severity", pack(VALID_CONTROL.replace("severity: high", "severity: urgent")),
                        "cc6.1-console-login-mfa", "unknown severity 'urgent'"),
                Arguments.of("no rule", pack(VALID_CONTROL.substring(0, VALID_CONTROL.indexOf("    event:"))),
                        "cc6.1-console-login-mfa", "exactly one of 'event', 'threshold', 'absence' or 'correlation'"),
                Arguments.of("missing event types", pack(VALID_CONTROL.replace("      on: [auth.login]\n", "")),
                        "cc6.1-console-login-mfa", "'event.on' must list"),
                Arguments.of("missing title", pack(VALID_CONTROL.replace("    title: Console logins require MFA\n", "")),
                        "cc6.1-console-login-mfa", "'title' is required"),
                Arguments.of("bad id", pack(VALID_CONTROL.replace("cc6.1-console-login-mfa", "CC6 MFA")),
                        "CC6 MFA", "'id' must be"),
                Arguments.of("duplicate id", pack(VALID_CONTROL + VALID_CONTROL), "cc6.1-console-login-mfa", "duplicate control id"),
                Arguments.of("bad maturity", pack(VALID_CONTROL.replace("    severity: high\n", "    severity: high\n    maturity: ripe\n")),
                        "cc6.1-console-login-mfa", "'maturity' must be one of"),
                Arguments.of("threshold without a count", pack(control("t-x", "threshold: {on: [a], key: data.u, window: 5m}")),
                        "t-x", "'threshold.atLeast' must be a count"),
                Arguments.of("threshold advance not dividing the window", pack(control("t-x",
                        "threshold: {on: [a], key: data.u, window: 5m, advance: 2m, atLeast: 3}")), "t-x", "must divide"),
                Arguments.of("bad duration", pack(control("a-x", "absence: {expect: [a], key: data.u, within: soon}")),
                        "a-x", "'absence.within': 'soon' is not a duration"),
                Arguments.of("key not a string", pack(control("a-x", "absence: {expect: [a], key: data.size > 1, within: 1h}")),
                        "a-x", "'absence.key' does not compile"),
                Arguments.of("bad correlation mode", pack(control("c-x", """
                        correlation: {first: {on: [a], key: data.k}, then: {on: [b], key: data.k}, mode: sometimes, within: 1h}""")),
                        "c-x", "mode must be one of"),
                Arguments.of("correlation without its window", pack(control("c-x", """
                        correlation: {first: {on: [a], key: data.k}, then: {on: [b], key: data.k}, mode: followed-within}""")),
                        "c-x", "'correlation.within'"),
                Arguments.of("two rules", pack(control("c-x", """
                        event: {on: [a], violation: 'true'}
                        absence: {expect: [a], key: data.u, within: 1h}""")), "c-x", "(found event, absence)"),
                Arguments.of("manual entry without a reason", "pack: t\nformatVersion: 1\nmanual: [{criteria: [CC1.1]}]\ncontrols:\n"
                        + VALID_CONTROL, null, "each 'manual' entry needs"));
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
    void reportsTheLineOfTheOffendingControlAndField() {
        String yaml = pack(VALID_CONTROL + VALID_CONTROL.replace("cc6.1-console-login-mfa", "cc6.1-second")
                .replace("severity: high", "severity: urgent"));

        // the second control starts at line 11; its severity is at line 14
        assertThatThrownBy(() -> ControlPackLoader.parse(yaml, "broken.yaml"))
                .hasMessageStartingWith("Invalid control pack broken.yaml:14, control 'cc6.1-second'");
    }
}
