package io.controlwatch.alerting.service.findings;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.Instant;

/** One row of a finding's (or an exemption's) history: who did what when, from which state to which, and why. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record HistoryEntry(String findingId, Instant at, String actor, String action, String fromStatus,
                           String toStatus, String comment) {
}
