package io.controlwatch.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import io.controlwatch.model.CloudEvent;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ExecutionResult;
import io.controlwatch.model.ModelJson;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The demo's story (deploy/local/demo-story.sh, sent by demo-feed.sh) through the real engine, as the evaluation
 * service runs it: six partitions of rule state (events of one (control, key) always meet on one), phase 1 at
 * start, phase 2 a minute later, the clock looked at every second, for five minutes. The random stream demo-feed.sh
 * sends beside it only adds to this.
 */
class DemoStoryTest {

    static final Path SCRIPT = Path.of("..", "deploy", "local", "demo-story.sh");
    static final Path PACK = Path.of("..", "control-packs", "soc2", "controls.yaml");
    static final int PARTITIONS = 6;

    static List<CloudEvent> story(int phase, Instant now) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString(), String.valueOf(phase));
        pb.environment().put("CW_DEMO_NOW", String.valueOf(now.getEpochSecond()));
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("demo-story.sh " + phase).isZero();
        List<CloudEvent> events = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                events.add(ModelJson.mapper().readValue(line, CloudEvent.class));
            }
        }
        return events;
    }

    @Test
    @Tag("slow") // five minutes of ticks on six partitions: left out of mutation runs
    void withinFiveMinutesTheStoryExercisesTwentyFiveControlsOfEveryKind() throws Exception {
        // not on a whole minute or hour: the story must not depend on when the demo starts
        Instant start = Instant.parse("2026-12-04T14:37:23Z");
        ControlPack pack = ControlPackLoader.load(PACK);
        ControlEngine engine = ControlEngine.compile(pack);
        StatefulRuntime runtime = new StatefulRuntime(engine);
        List<InMemoryRuleStore> partitions = new ArrayList<>();
        for (int i = 0; i < PARTITIONS; i++) {
            partitions.add(new InMemoryRuleStore());
        }
        List<ControlExecution> out = new ArrayList<>();
        List<CloudEvent> phase1 = story(1, start);
        List<CloudEvent> phase2 = story(2, start.plusSeconds(60));
        for (int second = 0; second <= 300; second++) {
            Instant wall = start.plusSeconds(second);
            List<CloudEvent> sent = second == 0 ? phase1 : second == 60 ? phase2 : List.of();
            for (CloudEvent event : sent) {
                ControlEngine.Evaluation evaluation = engine.evaluate(event, wall, wall);
                out.addAll(evaluation.executions());
                for (RoutedEvent routed : evaluation.routed()) {
                    InMemoryRuleStore store = partitions.get(Math.floorMod(routed.stateKey().hashCode(), PARTITIONS));
                    out.addAll(runtime.onEvent(routed, store, wall));
                }
            }
            for (InMemoryRuleStore store : partitions) {
                out.addAll(runtime.onTime(wall, store, wall));
            }
        }

        Map<String, String> kindOf = pack.controls().stream().collect(Collectors.toMap(Control::id, c -> c.rule().kind()));
        Map<String, Set<String>> resultsByControl = new TreeMap<>();
        out.forEach(e -> resultsByControl.computeIfAbsent(e.controlId(), k -> new TreeSet<>()).add(e.result().name()));
        String summary = resultsByControl.toString();
        assertThat(out.stream().filter(e -> e.result() == ExecutionResult.ERROR)
                .map(e -> e.controlId() + " " + e.subject() + ": " + e.reason()).toList()).as("no late event, no rule error").isEmpty();

        assertThat(resultsByControl.keySet()).as("controls exercised: " + summary).hasSizeGreaterThanOrEqualTo(25);
        assertThat(resultsByControl.keySet().stream().map(kindOf::get).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder("event", "threshold", "absence", "correlation");
        // absences that fire: missed deadlines (a scan, an agent, a backup) ...
        for (String absence : List.of("cc7.1-vulnerability-scan-7d", "cc6.8-endpoint-agent-silent", "a1.2-database-backup-26h",
                "cc2.1-event-source-silent")) {
            assertThat(resultsByControl.get(absence)).as(absence + ": " + summary).contains("FAIL", "PASS");
        }
        // thresholds that fire from the archive's history
        for (String threshold : List.of("cc7.2-failed-login-burst", "cc7.2-password-spray", "a1.2-uptime-check-down-5m")) {
            assertThat(resultsByControl.get(threshold)).as(threshold + ": " + summary).contains("FAIL");
        }
        // ... and windows that closed below their count
        for (String threshold : List.of("a1.1-sustained-high-utilization", "a1.2-backup-failed-twice")) {
            assertThat(resultsByControl.get(threshold)).as(threshold + ": " + summary).contains("PASS");
        }
        // every archive source was silent for longer than 30 minutes before its event of now
        assertThat(out.stream().filter(e -> e.controlId().equals("cc2.1-event-source-silent") && e.result() == ExecutionResult.FAIL)
                .map(ControlExecution::subject)).contains("https://scans.archive.example.com", "https://edr.archive.example.com",
                "https://backups.archive.example.com", "https://siem.archive.example.com");
        // correlations that resolve: the second half came in time
        for (String correlation : List.of("cc7.3-security-alert-triaged-4h", "cc7.4-sev1-postmortem-10d",
                "cc7.1-critical-vulnerability-sla", "cc6.2-terminated-user-deprovisioned-24h", "a1.1-capacity-alarm-not-scaled",
                "cc8.1-emergency-change-retro-approval", "cc9.2-oauth-app-vendor-review", "cc6.2-account-created-without-approval",
                "cc8.1-deploy-without-approved-pr")) {
            assertThat(resultsByControl.get(correlation)).as(correlation + ": " + summary).contains("PASS");
        }
        // remediations: a failure, then a pass of the same control and subject (the alerting service resolves it)
        for (String remediated : List.of("cc6.1-storage-encryption-disabled", "cc6.6-waf-disabled", "cc6.7-bucket-made-public",
                "cc5.2-branch-protection-removed")) {
            List<ExecutionResult> results = out.stream().filter(e -> e.controlId().equals(remediated))
                    .map(ControlExecution::result).toList();
            assertThat(results).as(remediated).containsExactly(ExecutionResult.FAIL, ExecutionResult.PASS);
        }
        System.out.printf("demo story: %d executions, %d controls: %s%n", out.size(), resultsByControl.size(), summary);
    }
}
