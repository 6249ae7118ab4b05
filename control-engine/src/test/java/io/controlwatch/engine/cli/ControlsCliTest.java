package io.controlwatch.engine.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The command users run on their own packs: exit status and what it prints. */
class ControlsCliTest {

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    int run(String... args) {
        return ControlsCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void theShippedPackValidatesAndPassesItsFixtures() {
        assertThat(run("validate", "../control-packs/soc2/controls.yaml")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("OK ").contains("by kind:");
        assertThat(run("test", "../control-packs/soc2")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("PASS cc6.1-console-login-mfa");
    }

    @Test
    void aWrongExpectationFailsNamingControlCaseAndDifference(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("controls.yaml"), """
                pack: mine
                formatVersion: 1
                controls:
                  - id: cc6.1-mfa
                    title: MFA
                    criteria: [CC6.1]
                    severity: high
                    event: {on: [auth.login], violation: 'data.mfa != true'}
                  - id: cc6.1-uncovered
                    title: No fixtures
                    criteria: [CC6.1]
                    severity: low
                    event: {on: [auth.logout], violation: 'false'}
                """);
        Files.createDirectories(dir.resolve("fixtures"));
        Files.writeString(dir.resolve("fixtures/cc6.1-mfa.yaml"), """
                control: cc6.1-mfa
                cases:
                  - name: no mfa passes (wrongly expected)
                    events:
                      - {at: "2026-01-01T00:00:00Z", type: auth.login, data: {mfa: false}}
                    expect:
                      - {result: PASS}
                """);

        assertThat(run("test", dir.toString())).isEqualTo(1);
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("FAIL cc6.1-mfa").contains("no mfa passes (wrongly expected)")
                .contains("result FAIL, expected PASS")
                .contains("FAIL cc6.1-uncovered").contains("no fixtures")
                .contains("0 of 2 controls passed");
    }

    @Test
    void aFailingCasePrintsTheProducedExecutionsReadyToPaste(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("controls.yaml"), """
                pack: mine
                formatVersion: 1
                controls:
                  - id: cc6.1-mfa
                    title: MFA
                    criteria: [CC6.1]
                    severity: high
                    event: {on: [auth.login], subject: data.user, violation: 'data.mfa != true'}
                """);
        Files.createDirectories(dir.resolve("fixtures"));
        String fixture = """
                control: cc6.1-mfa
                cases:
                  - name: three logins
                    events:
                      - {id: l1, at: "2026-01-01T00:00:00Z", type: auth.login, data: {user: alice, mfa: true}}
                      - {id: l2, at: "2026-01-01T00:01:00Z", type: auth.login, data: {user: "bob \\"b\\" o'hara", mfa: false}}
                      - {id: l3, at: "2026-01-01T00:02:00Z", type: auth.login, data: {user: 42}}
                    expect:
                      - {result: PASS}
                """;
        Files.writeString(dir.resolve("fixtures/cc6.1-mfa.yaml"), fixture);

        assertThat(run("test", dir.toString())).isEqualTo(1);
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("expected 1 execution(s), got 3").contains("produced (fixture syntax):")
                .contains("- {result: PASS, subject: alice, at: \"2026-01-01T00:00:00Z\", evidence: [l1]}")
                .contains("- {result: FAIL, subject: \"bob \\\"b\\\" o'hara\"");
        List<String> produced = printed.lines().map(String::strip).filter(l -> l.startsWith("- {result:")).toList();
        assertThat(produced).hasSize(3);

        // pasted under expect:, the produced executions make the case pass
        Files.writeString(dir.resolve("fixtures/cc6.1-mfa.yaml"), fixture.replace("      - {result: PASS}\n",
                produced.stream().map(l -> "      " + l + "\n").collect(Collectors.joining())));
        out.reset();
        assertThat(run("test", dir.toString())).as(out.toString(StandardCharsets.UTF_8)).isZero();
    }

    @Test
    void aMessageIsCheckedExactlyAndAMessageNoFixtureChecksFailsTheRun(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("controls.yaml"), """
                pack: mine
                formatVersion: 1
                controls:
                  - id: cc6.1-mfa
                    title: MFA
                    criteria: [CC6.1]
                    severity: high
                    message: '{{data.user}} logged in without MFA'
                    event: {on: [auth.login], violation: 'data.mfa != true'}
                  - id: cc6.1-unchecked
                    title: Message nobody checks
                    criteria: [CC6.1]
                    severity: low
                    message: '{{data.user}} logged out'
                    event: {on: [auth.logout], violation: 'true'}
                """);
        Files.createDirectories(dir.resolve("fixtures"));
        Files.writeString(dir.resolve("fixtures/cc6.1-mfa.yaml"), """
                control: cc6.1-mfa
                cases:
                  - name: the message names the user (expected with a typo)
                    events:
                      - {at: "2026-01-01T00:00:00Z", type: auth.login, data: {user: alice, mfa: false}}
                    expect:
                      - {result: FAIL, message: "alice logged in without MFA!"}
                  - name: nothing expected, so the run prints what was produced
                    events:
                      - {at: "2026-01-01T00:00:00Z", type: auth.login, data: {user: carol, mfa: false}}
                    expect: []
                """);
        Files.writeString(dir.resolve("fixtures/cc6.1-unchecked.yaml"), """
                control: cc6.1-unchecked
                cases:
                  - name: a logout fails
                    events:
                      - {at: "2026-01-01T00:00:00Z", type: auth.logout, data: {user: bob}}
                    expect:
                      - {result: FAIL}
                """);

        assertThat(run("test", dir.toString())).isEqualTo(1);
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(printed)
                .contains("message 'alice logged in without MFA', expected 'alice logged in without MFA!'")
                .contains("reason: \"violated: data.mfa != true\", message: \"carol logged in without MFA\"}")
                .contains("FAIL cc6.1-unchecked").contains("message not checked by any fixture")
                .contains("0 of 2 controls passed");

        assertThat(run("validate", dir.resolve("controls.yaml").toString())).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("with a message: 2 of 2 controls");
    }

    @Test
    void aBrokenPackIsReportedWithFileControlAndLine(@TempDir Path dir) throws Exception {
        Path pack = dir.resolve("controls.yaml");
        Files.writeString(pack, "pack: p\nformatVersion: 1\ncontrols:\n  - id: cc6.1-x\n    title: X\n    criteria: [CC6.1]\n    severity: high\n    event: {on: [a], violation: 'data.x =='}\n");

        assertThat(run("validate", pack.toString())).isEqualTo(1);
        // the line of the expression, not of the control, and the expression with a caret under the problem
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(pack + ":8, control 'cc6.1-x'").contains("does not compile")
                .contains(" | data.x ==\n | .........^");
        assertThat(run("frobnicate")).isEqualTo(2);
    }
}
