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
            assertThat(r.retireAfter()).as("expected forever").isNull();
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

    /**
     * The whole message a pack author reads for each problem: file, the line of the offending field (8 is the rule
     * block of a control made by {@link #control}, which starts at line 4), the control and the reason.
     */
    static Stream<Arguments> problemsAtTheirField() {
        return Stream.of(
                Arguments.of("event.when that does not compile", pack(control("e-x", """
                        event:
                          on: [a]
                          when: data.x +
                          violation: 'true'""")), "packs/p.yaml:10, control 'e-x': 'event.when' does not compile:\nERROR: event.when:1:"),
                Arguments.of("event.subject that is not a string", pack(control("e-x", """
                        event:
                          on: [a]
                          violation: 'true'
                          subject: data.n > 1""")), "packs/p.yaml:11, control 'e-x': 'event.subject' does not compile:\nERROR: event.subject:1:"),
                Arguments.of("event without its violation", pack(control("e-x", "event: {on: [a]}")),
                        "packs/p.yaml:4, control 'e-x': 'event.violation' (a CEL condition) is required"),
                Arguments.of("an invalid event type", pack(control("e-x", "event:\n  on: [a, 'b c']\n  violation: 'true'")),
                        "packs/p.yaml:9, control 'e-x': event type 'b c' in 'event.on' is not valid"),
                Arguments.of("threshold.when that is not a condition", pack(control("t-x", """
                        threshold:
                          on: [a]
                          when: size(data.user)
                          key: data.user
                          window: 5m
                          atLeast: 3""")), "packs/p.yaml:10, control 't-x': 'threshold.when' does not compile:\nERROR: threshold.when:1:"),
                Arguments.of("threshold.key that is not a string", pack(control("t-x", """
                        threshold:
                          on: [a]
                          key: data.n > 1
                          window: 5m
                          atLeast: 3""")), "packs/p.yaml:10, control 't-x': 'threshold.key' does not compile:\nERROR: threshold.key:1:"),
                Arguments.of("threshold without a key", pack(control("t-x", "threshold: {on: [a], window: 5m, atLeast: 3}")),
                        "packs/p.yaml:4, control 't-x': 'threshold.key' (a CEL expression giving a string) is required"),
                Arguments.of("threshold.distinct that is not a string", pack(control("t-x", """
                        threshold:
                          on: [a]
                          key: data.user
                          distinct: data.n > 1
                          window: 5m
                          atLeast: 3""")), "packs/p.yaml:11, control 't-x': 'threshold.distinct' does not compile:\nERROR: threshold.distinct:1:"),
                Arguments.of("threshold without a window", pack(control("t-x", "threshold: {on: [a], key: data.u, atLeast: 3}")),
                        "packs/p.yaml:4, control 't-x': 'threshold.window' (a duration such as 5m, 26h or 90d) is required"),
                Arguments.of("threshold advance longer than its window", pack(control("t-x",
                                "threshold: {on: [a], key: data.u, window: 5m, advance: 10m, atLeast: 3}")),
                        "packs/p.yaml:4, control 't-x': 'threshold.advance' must divide 'threshold.window' (e.g. window 5m, advance 1m)"),
                Arguments.of("threshold counting to 0", pack(control("t-x", "threshold: {on: [a], key: data.u, window: 5m, atLeast: 0}")),
                        "packs/p.yaml:4, control 't-x': 'threshold.atLeast' must be a count of at least 1"),
                Arguments.of("a count that is not a number", pack(control("t-x", """
                        threshold:
                          on: [a]
                          key: data.u
                          window: 5m
                          atLeast: many""")), "packs/p.yaml:12, control 't-x': in 'threshold': Cannot deserialize value of type `java.lang.Integer` from String \"many\""),
                Arguments.of("a typo in a rule block", pack(control("t-x", """
                        threshold:
                          on: [a]
                          key: data.u
                          windw: 5m""")), "packs/p.yaml:11, control 't-x': in 'threshold': unknown field 'windw' (known: ["),
                Arguments.of("absence.when that does not compile", pack(control("a-x", """
                        absence:
                          expect: [a]
                          when: data.ok ==
                          key: data.u
                          within: 1h""")), "packs/p.yaml:10, control 'a-x': 'absence.when' does not compile:\nERROR: absence.when:1:"),
                Arguments.of("absence within of zero", pack(control("a-x", "absence:\n  expect: [a]\n  key: data.u\n  within: 0s")),
                        "packs/p.yaml:11, control 'a-x': 'absence.within' must be positive"),
                Arguments.of("a negative grace", pack(control("a-x", "absence:\n  expect: [a]\n  key: data.u\n  within: 1h\n  grace: PT-1M")),
                        "packs/p.yaml:12, control 'a-x': 'absence.grace' must not be negative"),
                Arguments.of("a grace that is not a duration", pack(control("a-x", "absence:\n  expect: [a]\n  key: data.u\n  within: 1h\n  grace: later")),
                        "packs/p.yaml:12, control 'a-x': 'absence.grace': 'later' is not a duration (e.g. 30s, 5m, 26h, 90d or PT5M)"),
                Arguments.of("an empty expected key", pack(control("a-x", "absence: {expect: [a], key: data.u, within: 1h, keys: [db, ' ']}")),
                        "packs/p.yaml:4, control 'a-x': 'absence.keys' must not hold empty keys"),
                Arguments.of("absence without expected types", pack(control("a-x", "absence:\n  expect: []\n  key: data.u\n  within: 1h")),
                        "packs/p.yaml:9, control 'a-x': 'absence.expect' must list at least one event type"),
                Arguments.of("a retireAfter of zero", pack(control("a-x", "absence:\n  expect: [a]\n  key: data.u\n  within: 1h\n  retireAfter: 0s")),
                        "packs/p.yaml:12, control 'a-x': 'absence.retireAfter' must be positive"),
                Arguments.of("a negative retireAfter", pack(control("a-x", "absence:\n  expect: [a]\n  key: data.u\n  within: 1h\n  retireAfter: PT-1H")),
                        "packs/p.yaml:12, control 'a-x': 'absence.retireAfter' must be positive"),
                Arguments.of("a retireAfter beyond ten years", pack(control("a-x", "absence:\n  expect: [a]\n  key: data.u\n  within: 1h\n  retireAfter: 3651d")),
                        "packs/p.yaml:12, control 'a-x': 'absence.retireAfter' must be at most 3650d"),
                Arguments.of("a retireAfter too long for a duration", pack(control("a-x", "absence:\n  expect: [a]\n  key: data.u\n  within: 1h\n  retireAfter: 999999999999999d")),
                        "packs/p.yaml:12, control 'a-x': 'absence.retireAfter': '999999999999999d' is too long a duration"),
                Arguments.of("a retireAfter that is not a duration", pack(control("a-x", "absence:\n  expect: [a]\n  key: data.u\n  within: 1h\n  retireAfter: never")),
                        "packs/p.yaml:12, control 'a-x': 'absence.retireAfter': 'never' is not a duration (e.g. 30s, 5m, 26h, 90d or PT5M)"),
                Arguments.of("retireAfter on a threshold", pack(control("t-x", "threshold:\n  on: [a]\n  key: data.u\n  window: 5m\n  atLeast: 3\n  retireAfter: 7d")),
                        "packs/p.yaml:13, control 't-x': in 'threshold': unknown field 'retireAfter' (known: ["),
                Arguments.of("retireAfter on a correlation", pack(control("c-x", """
                        correlation:
                          first: {on: [a], key: data.k}
                          then: {on: [b], key: data.k}
                          mode: followed-within
                          within: 1h
                          retireAfter: 7d""")), "packs/p.yaml:13, control 'c-x': in 'correlation': unknown field 'retireAfter' (known: ["),
                Arguments.of("retireAfter beside the rule block", pack(control("a-x", "absence: {expect: [a], key: data.u, within: 1h}\nretireAfter: 7d")),
                        "packs/p.yaml:9, control 'a-x': unknown field 'retireAfter' (known: ["),
                Arguments.of("correlation.first.when that does not compile", pack(control("c-x", """
                        correlation:
                          first:
                            on: [a]
                            when: data.x ==
                            key: data.k
                          then: {on: [b], key: data.k}
                          mode: followed-within
                          within: 1h""")), "packs/p.yaml:11, control 'c-x': 'correlation.first.when' does not compile:\nERROR: correlation.first.when:1:"),
                Arguments.of("correlation.then.key that is not a string", pack(control("c-x", """
                        correlation:
                          first: {on: [a], key: data.k}
                          then:
                            on: [b]
                            key: data.n > 1
                          mode: followed-within
                          within: 1h""")), "packs/p.yaml:12, control 'c-x': 'correlation.then.key' does not compile:\nERROR: correlation.then.key:1:"),
                Arguments.of("correlation.first without a key", pack(control("c-x", """
                        correlation: {first: {on: [a]}, then: {on: [b], key: data.k}, mode: followed-within, within: 1h}""")),
                        "packs/p.yaml:4, control 'c-x': 'correlation.first.key' (a CEL expression giving a string) is required"),
                Arguments.of("correlation without its second event", pack(control("c-x", """
                        correlation: {first: {on: [a], key: data.k}, mode: followed-within, within: 1h}""")),
                        "packs/p.yaml:4, control 'c-x': 'correlation' needs 'first' and 'then'"),
                Arguments.of("not-followed-after without 'after'", pack(control("c-x", """
                        correlation: {first: {on: [a], key: data.k}, then: {on: [b], key: data.k}, mode: not-followed-after}""")),
                        "packs/p.yaml:4, control 'c-x': 'correlation.after' (a duration such as 5m, 26h or 90d) is required"),
                Arguments.of("a correlation mode left out", pack(control("c-x", """
                        correlation: {first: {on: [a], key: data.k}, then: {on: [b], key: data.k}, within: 1h}""")),
                        "packs/p.yaml:4, control 'c-x': 'correlation.mode': mode must be one of followed-within, preceded-within, not-followed-after"),
                Arguments.of("a control without an id", pack(VALID_CONTROL.replace("id: cc6.1-console-login-mfa", "owner: iam")),
                        "packs/p.yaml:4: 'id' is required"),
                Arguments.of("a control without criteria", pack(VALID_CONTROL.replace("criteria: [CC6.1]", "criteria: []")),
                        "packs/p.yaml:6, control 'cc6.1-console-login-mfa': 'criteria' must name at least one Trust Services Criterion, e.g. [CC6.1]"),
                Arguments.of("a criterion without its point", pack(VALID_CONTROL.replace("criteria: [CC6.1]", "criteria: [CC6.1, CC6]")),
                        "packs/p.yaml:6, control 'cc6.1-console-login-mfa': criterion 'CC6' is not a Trust Services Criterion (e.g. CC6.1, A1.2)"),
                Arguments.of("an unknown frequency", pack(VALID_CONTROL.replace("    severity: high\n", "    severity: high\n    frequency: biweekly\n")),
                        "packs/p.yaml:8, control 'cc6.1-console-login-mfa': 'frequency' must be one of [annually, continuous, daily, hourly, monthly, quarterly, weekly]"),
                Arguments.of("an unknown maturity", pack(VALID_CONTROL.replace("    severity: high\n", "    severity: high\n    maturity: ripe\n")),
                        "packs/p.yaml:8, control 'cc6.1-console-login-mfa': 'maturity' must be one of [deprecated, incubating, sandbox, stable]"),
                Arguments.of("a bad id", pack(VALID_CONTROL.replace("cc6.1-console-login-mfa", "ab")),
                        "packs/p.yaml:4, control 'ab': 'id' must be 3-80 lower-case letters, digits, '.' or '-' (e.g. cc6.1-console-login-mfa)"),
                Arguments.of("a duplicate id, at the second one", pack(VALID_CONTROL + "\n" + VALID_CONTROL),
                        "packs/p.yaml:12, control 'cc6.1-console-login-mfa': duplicate control id"),
                Arguments.of("a typo in the control's metadata", pack(VALID_CONTROL.replace("severity: high", "severty: high")),
                        "packs/p.yaml:7, control 'cc6.1-console-login-mfa': unknown field 'severty' (known: ["),
                Arguments.of("a negative window", pack(control("a-x", "absence:\n  expect: [a]\n  key: data.u\n  within: PT-1H")),
                        "packs/p.yaml:11, control 'a-x': 'absence.within' must be positive"),
                Arguments.of("a criterion that is a mapping, at its own line", pack(VALID_CONTROL.replace("criteria: [CC6.1]",
                                "criteria:\n      - CC6.1\n      - {id: CC6.2}")),
                        "packs/p.yaml:8, control 'cc6.1-console-login-mfa': Cannot deserialize value of type `java.lang.String` from Object value"),
                Arguments.of("a bad criterion in a block list, at the line of 'criteria'", pack(VALID_CONTROL.replace("criteria: [CC6.1]",
                                "criteria:\n      - CC6.1\n      - CC6")),
                        "packs/p.yaml:6, control 'cc6.1-console-login-mfa': criterion 'CC6' is not a Trust Services Criterion"),
                Arguments.of("a condition written below its key, at the key's line", pack(control("e-x", """
                        event:
                          on: [a]
                          violation:
                            data.x ==""")), "packs/p.yaml:10, control 'e-x': 'event.violation' does not compile:"),
                Arguments.of("no controls at all", "pack: t\nformatVersion: 1\n", "packs/p.yaml: 'controls' must list at least one control"),
                Arguments.of("no pack name", "formatVersion: 1\ncontrols:\n" + VALID_CONTROL,
                        "packs/p.yaml: 'pack' (the pack's name) is required"),
                Arguments.of("no format version", "pack: t\ncontrols:\n" + VALID_CONTROL,
                        "packs/p.yaml: formatVersion must be 1"),
                Arguments.of("a pack that is a list", "- pack: t\n", "packs/p.yaml: must be a YAML mapping with 'pack', 'formatVersion' and 'controls'"),
                Arguments.of("an empty file", "", "packs/p.yaml: must be a YAML mapping with 'pack', 'formatVersion' and 'controls'"),
                Arguments.of("a YAML syntax error, at its line", "pack: t\nformatVersion: 1\ncontrols:\n  - id: [unclosed\n    title: x\n",
                        "packs/p.yaml:5: is not valid YAML: "),
                Arguments.of("a pack field of the wrong shape", "pack: t\nformatVersion: 1\nmanual: nothing\ncontrols:\n" + VALID_CONTROL,
                        "packs/p.yaml:3: Cannot deserialize value of type "),
                Arguments.of("a manual criterion that is not one", "pack: t\nformatVersion: 1\nmanual: [{criteria: [CC1.1, HR1.1], reason: people}]\ncontrols:\n"
                        + VALID_CONTROL, "packs/p.yaml: manual criterion 'HR1.1' is not a Trust Services Criterion"),
                Arguments.of("a manual entry without criteria", "pack: t\nformatVersion: 1\nmanual: [{criteria: [], reason: people}]\ncontrols:\n"
                        + VALID_CONTROL, "packs/p.yaml: each 'manual' entry needs 'criteria' and a 'reason'"),
                Arguments.of("a manual entry with a blank reason", "pack: t\nformatVersion: 1\nmanual: [{criteria: [CC1.1], reason: ' '}]\ncontrols:\n"
                        + VALID_CONTROL, "packs/p.yaml: each 'manual' entry needs 'criteria' and a 'reason'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("problemsAtTheirField")
    void reportsEachProblemAtItsLineWithTheWholeReason(String name, String yaml, String message) {
        assertThatThrownBy(() -> ControlPackLoader.parse(yaml, "packs/p.yaml"))
                .isInstanceOf(ControlPackException.class)
                .hasMessageStartingWith("Invalid control pack " + message)
                .satisfies(e -> {
                    ControlPackException problem = (ControlPackException) e;
                    assertThat(problem.source()).isEqualTo("packs/p.yaml");
                    assertThat(problem.getMessage()).endsWith(": " + problem.reason());
                    assertThat(problem.getMessage()).startsWith("Invalid control pack packs/p.yaml"
                            + (problem.line() > 0 ? ":" + problem.line() : "")
                            + (problem.controlId() != null ? ", control '" + problem.controlId() + "'" : "") + ": ");
                });
    }

    @Test
    void keepsEveryFieldAnAuditorReadsAsWritten() {
        String yaml = """
                pack: soc2-test
                formatVersion: 1
                description: Test pack
                controls:
                  - id: a1.2-database-backup-26h
                    title: '  Backups run  '
                    description: Every database is backed up.
                    criteria: [A1.2, CC7.2]
                    severity: critical
                    owner: platform
                    frequency: daily
                    maturity: incubating
                    absence: {expect: ['*'], key: data.system, within: 26h, grace: 0s, passOnArrival: false}
                manual:
                  - criteria: [CC1.1, CC1.2]
                    reason: '  Governance records.  '
                """;
        ControlPack pack = ControlPackLoader.parse(yaml, "packs/soc2.yaml");

        assertThat(pack.source()).isEqualTo("packs/soc2.yaml");
        assertThat(pack.yaml()).isEqualTo(yaml);
        assertThat(pack.manual()).containsExactly(new ControlPack.ManualCriteria(java.util.List.of("CC1.1", "CC1.2"), "Governance records."));
        Control control = pack.control("a1.2-database-backup-26h").orElseThrow();
        assertThat(pack.control("nope")).isEmpty();
        assertThat(control.title()).isEqualTo("Backups run");
        assertThat(control.description()).isEqualTo("Every database is backed up.");
        assertThat(control.criteria()).containsExactly("A1.2", "CC7.2");
        assertThat(control.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(control.owner()).isEqualTo("platform");
        assertThat(control.frequency()).isEqualTo("daily");
        assertThat(control.maturity()).isEqualTo("incubating");
        assertThat(control.line()).isEqualTo(5);
        assertThat(control.appliesTo()).containsExactly("*");
        assertThat(control.rule()).isEqualTo(new AbsenceRule(java.util.List.of("*"), null, "data.system", Duration.ofHours(26),
                java.util.List.of(), Duration.ZERO, false, null));
        assertThat(control.toDefinition(pack)).satisfies(d -> {
            assertThat(d.id()).isEqualTo("a1.2-database-backup-26h");
            assertThat(d.version()).isEqualTo(control.version());
            assertThat(d.title()).isEqualTo("Backups run");
            assertThat(d.eventTypes()).containsExactly("*");
            assertThat(d.pack()).isEqualTo("soc2-test");
            assertThat(d.packVersion()).isEqualTo(pack.version());
        });
    }

    @Test
    void expressionsAreKeptTrimmedAndBlankOptionalOnesAreLeftOut() {
        ControlPack pack = ControlPackLoader.parse(pack(control("e-x", """
                event:
                  on: [a]
                  when: '  '
                  violation: '  data.x == 1  '
                  subject: ' data.user '""")
                + control("t-x", "threshold: {on: [a], when: ' data.ok ', key: ' data.u ', distinct: ' data.ip ', window: 5m, atLeast: 1}")
                + control("c-x", """
                correlation:
                  first: {on: [a, b], when: ' data.ok ', key: ' data.k '}
                  then: {on: [b, c], key: data.k}
                  mode: not-followed-after
                  after: 24h""")), "trim.yaml");

        assertThat(pack.controls().get(0).rule()).isEqualTo(new EventRule(java.util.List.of("a"), null, "data.x == 1", "data.user"));
        assertThat(pack.controls().get(1).rule()).isEqualTo(new ThresholdRule(java.util.List.of("a"), "data.ok", "data.u", "data.ip",
                Duration.ofMinutes(5), null, 1, Duration.ofMinutes(1)));
        assertThat(pack.controls().get(2).rule()).isInstanceOfSatisfying(CorrelationRule.class, r -> {
            assertThat(r.first()).isEqualTo(new CorrelationRule.EventMatcher(java.util.List.of("a", "b"), "data.ok", "data.k"));
            assertThat(r.mode()).isEqualTo(CorrelationRule.Mode.NOT_FOLLOWED_AFTER);
            assertThat(r.after()).isEqualTo(Duration.ofHours(24));
            assertThat(r.within()).isNull();
            assertThat(r.grace()).isEqualTo(Duration.ofMinutes(1));
            // each type once, first's before then's
            assertThat(r.eventTypes()).containsExactly("a", "b", "c");
            assertThat(r.kind()).isEqualTo("correlation");
            assertThat(r.stateful()).isTrue();
        });
        assertThat(pack.controls().get(0).rule().stateful()).isFalse();
        assertThat(pack.controls()).extracting(c -> c.rule().kind()).containsExactly("event", "threshold", "correlation");
    }

    @Test
    void theBoundariesOfCountsAndWindowsAreAccepted() {
        ControlPack pack = ControlPackLoader.parse(pack(
                control("t-one", "threshold: {on: [a], key: data.u, window: 5m, advance: 5m, atLeast: 1, grace: 0s}")
                        + control("a-zero-grace", "absence: {expect: [a], key: data.u, within: 1ms, grace: 0s}")
                        + control("a-retiring", "absence: {expect: [a], key: data.u, within: 1h, retireAfter: 1ms}")
                        + control("a-retiring-late", "absence: {expect: [a], key: data.u, within: 1h, retireAfter: 3650d}")),
                "bounds.yaml");

        assertThat(pack.controls().get(0).rule()).isInstanceOfSatisfying(ThresholdRule.class, r -> {
            assertThat(r.advance()).isEqualTo(r.window());
            assertThat(r.atLeast()).isEqualTo(1);
            assertThat(r.grace()).isZero();
        });
        assertThat(pack.controls().get(1).rule()).isInstanceOfSatisfying(AbsenceRule.class, r -> {
            assertThat(r.within()).isEqualTo(Duration.ofMillis(1));
            assertThat(r.passOnArrival()).isTrue();
        });
        assertThat(pack.controls().get(2).rule()).isInstanceOfSatisfying(AbsenceRule.class,
                r -> assertThat(r.retireAfter()).isEqualTo(Duration.ofMillis(1)));
        assertThat(pack.controls().get(3).rule()).isInstanceOfSatisfying(AbsenceRule.class,
                r -> assertThat(r.retireAfter()).isEqualTo(Duration.ofDays(3650)));
    }

    @Test
    void aStatefulControlsMessageNamingTheEventGetsAHintAndAnEventControlsDoesNot() {
        String stateful = pack(control("t-x", "threshold: {on: [a], key: data.u, window: 5m, atLeast: 3}\nmessage: '{{event.id}} x'"));
        assertThatThrownBy(() -> ControlPackLoader.parse(stateful, "m.yaml"))
                .hasMessageContaining("undeclared reference to 'event'")
                .hasMessageEndingWith(" (a threshold control's message sees key, count, atLeast, window, windowStart, windowEnd, "
                        + "not the event's data: docs/controls.md#messages)");

        String other = pack(control("t-x", "threshold: {on: [a], key: data.u, window: 5m, atLeast: 3}\nmessage: '{{deadline}} x'"));
        assertThatThrownBy(() -> ControlPackLoader.parse(other, "m.yaml"))
                .hasMessageContaining("undeclared reference to 'deadline'")
                .hasMessageNotContaining("docs/controls.md#messages");

        String event = pack(control("e-x", "event: {on: [a], violation: 'true'}\nmessage: '{{key}} x'"));
        assertThatThrownBy(() -> ControlPackLoader.parse(event, "m.yaml"))
                .hasMessageContaining("undeclared reference to 'key'")
                .hasMessageNotContaining("docs/controls.md#messages");
        // an event control's message does see the payload: no hint even when the error quotes 'data' or 'event'
        String eventData = pack(control("e-x", "event: {on: [a], violation: 'true'}\nmessage: '{{''data'' + ''event'' +}} x'"));
        assertThatThrownBy(() -> ControlPackLoader.parse(eventData, "m.yaml"))
                .hasMessageContaining(" | 'data' + 'event' +")
                .hasMessageNotContaining("docs/controls.md#messages");
    }

    @Test
    void loadsAFileOrAClasspathResourceAndNamesThemWhenTheyCannotBeRead(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = dir.resolve("mine.yaml");
        java.nio.file.Files.writeString(file, pack(VALID_CONTROL));
        assertThat(ControlPackLoader.load(file)).satisfies(p -> {
            assertThat(p.source()).isEqualTo(file.toString());
            assertThat(p.controls()).hasSize(1);
        });
        assertThatThrownBy(() -> ControlPackLoader.load(dir.resolve("missing.yaml")))
                .isInstanceOf(ControlPackException.class)
                .hasMessageStartingWith("Invalid control pack " + dir.resolve("missing.yaml") + ": cannot be read: ");

        assertThat(ControlPackLoader.loadResource("packs/minimal.yaml")).satisfies(p -> {
            assertThat(p.name()).isEqualTo("minimal");
            assertThat(p.source()).isEqualTo("classpath:packs/minimal.yaml");
        });
        assertThatThrownBy(() -> ControlPackLoader.loadResource("packs/none.yaml"))
                .isInstanceOf(ControlPackException.class)
                .hasMessage("Invalid control pack classpath:packs/none.yaml: not found");
    }

    @Test
    void aYamlSyntaxErrorIsReportedOnOneLineAtItsPlace() {
        assertThatThrownBy(() -> ControlPackLoader.parse("pack: t\nformatVersion: 1\ncontrols:\n  - id: x\n   title: [\n", "y.yaml"))
                .isInstanceOfSatisfying(ControlPackException.class, e -> {
                    assertThat(e.line()).isEqualTo(5);
                    assertThat(e.reason()).startsWith("is not valid YAML: ").doesNotContain("\n");
                    assertThat(e.controlId()).isNull();
                });
    }

    @Test
    void theVersionIgnoresKeyOrderButNotAListsContent() {
        String original = ControlPackLoader.parse(pack(VALID_CONTROL), "a.yaml").controls().get(0).version();
        String reordered = pack("""
                  - severity: high
                    event:
                      violation: data.outcome == "success" && data.mfa == false
                      on: [auth.login]
                    criteria: [CC6.1]
                    title: Console logins require MFA
                    id: cc6.1-console-login-mfa
                """);
        ControlPack reorderedPack = ControlPackLoader.parse(reordered, "b.yaml");
        assertThat(reorderedPack.controls().get(0).version()).isEqualTo(original);
        assertThat(ControlPackLoader.parse(pack(VALID_CONTROL.replace("[CC6.1]", "[CC6.2]")), "c.yaml").controls().get(0).version())
                .isNotEqualTo(original);
        assertThat(ControlPackLoader.parse(pack(VALID_CONTROL.replace("[auth.login]", "[auth.logout]")), "d.yaml").controls().get(0).version())
                .isNotEqualTo(original);
        assertThat(ControlPackLoader.parse(pack(VALID_CONTROL), "e.yaml").version())
                .isEqualTo(reorderedPack.version()).matches("sha256:[0-9a-f]{16}");
    }
}
