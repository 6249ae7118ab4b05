package io.controlwatch.alerting.service.findings;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * How long a finding may stay unresolved, by severity, and which failures are too old to page anyone: backfilled
 * history older than {@code quietAfter} forms findings but notifies nobody.
 */
public record SlaPolicy(Duration critical, Duration high, Duration medium, Duration low, Duration quietAfter) {

    public Instant dueAt(String severity, Instant openedAt) {
        Duration sla = switch (severity == null ? "" : severity.toLowerCase(Locale.ROOT)) {
            case "critical" -> critical;
            case "high" -> high;
            case "medium" -> medium;
            default -> low;
        };
        return openedAt.plus(sla);
    }

    public boolean quiet(ExecutionFact fact, Instant now) {
        return fact.backfilled() && fact.eventTime().isBefore(now.minus(quietAfter));
    }
}
