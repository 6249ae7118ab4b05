package io.controlwatch.alerting.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.controlwatch.alerting.persistence.EvidenceRepository.Stored;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ExecutionResult;
import io.controlwatch.model.Severity;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.junit.jupiter.api.Test;

class EvidenceMetersTest {

    static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final EvidenceMeters meters = new EvidenceMeters(registry);

    static ControlExecution execution(String id, List<String> criteria, Severity severity, ExecutionResult result,
                                      Instant eventTime, boolean backfilled) {
        return new ControlExecution(id, "c-" + id, "v1", "t", criteria, severity, result, null, "s", "ev-" + id,
                "https://src", "auth.login", eventTime, eventTime, NOW, "soc2", "p1", List.of("ev-" + id), false,
                "test", backfilled, null);
    }

    double failures(String criterion, String severity) {
        return registry.find(EvidenceMeters.FAILURES).tags("criterion", criterion, "severity", severity).counter().count();
    }

    @Test
    void aKnownControlsSeriesStartAtZero() {
        meters.known(List.of("CC6.1", "CC7.2"), "high");
        assertThat(failures("CC6.1", "high")).isZero();
        assertThat(registry.find(EvidenceMeters.OPEN).tags("criterion", "CC7.2", "severity", "high").gauge().value()).isZero();
        assertThat(registry.find(EvidenceMeters.LAG).timer().count()).isZero();
    }

    @Test
    void storedFailuresCountUnderEachCriterionOnlyWhenNewlyStoredAndTheLagExcludesBackfills() {
        ControlExecution fail = execution("1", List.of("CC6.1", "CC7.2"), Severity.HIGH, ExecutionResult.FAIL,
                NOW.minusSeconds(3), false);
        ControlExecution pass = execution("2", List.of("CC6.1"), Severity.HIGH, ExecutionResult.PASS,
                NOW.minusSeconds(40), false);
        ControlExecution old = execution("3", List.of("CC6.1"), Severity.LOW, ExecutionResult.FAIL,
                NOW.minus(Duration.ofDays(30)), true);
        ControlExecution duplicate = execution("4", List.of("CC6.1"), Severity.HIGH, ExecutionResult.FAIL, NOW, false);
        // "4" was stored before: the repository did not answer it as stored now
        meters.stored(List.of(new Stored("1", "c-1", "FAIL"), new Stored("2", "c-2", "PASS"), new Stored("3", "c-3", "FAIL")),
                List.of(fail, pass, old, duplicate), NOW);

        assertThat(failures("CC6.1", "high")).isEqualTo(1);
        assertThat(failures("CC7.2", "high")).isEqualTo(1);
        assertThat(failures("CC6.1", "low")).isEqualTo(1);
        var lag = registry.find(EvidenceMeters.LAG).timer();
        assertThat(lag.count()).as("backfilled excluded").isEqualTo(2);
        assertThat(lag.max(java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(40);
    }

    @Test
    void openFindingsFollowTheSweepersCountAndFallToZero() {
        meters.openFindings(Map.of("CC6.1|high", 3L, "A1.2|critical", 1L));
        assertThat(registry.find(EvidenceMeters.OPEN).tags("criterion", "CC6.1", "severity", "high").gauge().value()).isEqualTo(3);
        meters.openFindings(Map.of("A1.2|critical", 2L));
        assertThat(registry.find(EvidenceMeters.OPEN).tags("criterion", "CC6.1", "severity", "high").gauge().value()).isZero();
        assertThat(registry.find(EvidenceMeters.OPEN).tags("criterion", "A1.2", "severity", "critical").gauge().value()).isEqualTo(2);
        // not a severity of the model, not a label
        meters.openFindings(Map.of("CC6.1|urgent", 1L));
        assertThat(registry.find(EvidenceMeters.OPEN).tags("severity", "urgent").gauge()).isNull();
    }
}
