package io.controlwatch.alerting.service;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.controlwatch.alerting.persistence.EvidenceRepository.Stored;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.Severity;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The business meters of stored evidence: failures and open findings per TSC criterion and severity, and the
 * evidence lag (an event's own time to its execution stored). Labels are bounded: criteria are the pack's validated
 * TSC ids (at most {@value #MAX_CRITERIA} are labelled; the pack holds about 60), severities are four.
 */
@ApplicationScoped
public class EvidenceMeters {

    static final int MAX_CRITERIA = 200;
    static final String FAILURES = "cw.failures.by.criterion";
    static final String OPEN = "cw.findings.open.by.criterion";
    static final String LAG = "cw.evidence.lag";

    /** 1 s to a day: a live event is stored in seconds, a source that buffers may take hours. */
    static final Duration[] LAG_BUCKETS = {Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(15),
            Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(15),
            Duration.ofHours(1), Duration.ofHours(6), Duration.ofDays(1)};

    private final MeterRegistry registry;
    private final Timer lag;
    /** "criterion|severity" → the open findings the sweeper last counted. */
    private final Map<String, AtomicLong> open = new ConcurrentHashMap<>();

    public EvidenceMeters(MeterRegistry registry) {
        this.registry = registry;
        // a gauge reads this instance's state (NotificationMetrics says why the previous ones go)
        registry.find(OPEN).meters().forEach(registry::remove);
        this.lag = Timer.builder(LAG).description("An event's own time to its execution stored by the alerting "
                        + "service (backfilled events excluded)")
                .serviceLevelObjectives(LAG_BUCKETS).register(registry);
    }

    /** A control of the catalog: its series exist at zero from the moment it is known. */
    public void known(Collection<String> criteria, String severity) {
        for (String criterion : criteria) {
            failures(criterion, severity);
            openGauge(criterion, severity);
        }
    }

    /** The executions just stored (not those stored before): failures per criterion, and the lag of each. */
    public void stored(List<Stored> stored, List<ControlExecution> slice, Instant now) {
        Map<String, ControlExecution> byId = new HashMap<>();
        slice.forEach(e -> byId.put(e.executionId(), e));
        for (Stored s : stored) {
            ControlExecution e = byId.get(s.executionId());
            if (e == null) {
                continue;
            }
            if ("FAIL".equals(s.result())) {
                for (String criterion : e.criteria()) {
                    Counter c = failures(criterion, e.severity().json());
                    if (c != null) {
                        c.increment();
                    }
                }
            }
            if (e.eventTime() != null && !e.backfilled()) {
                lag.record(Duration.between(e.eventTime(), now).isNegative() ? Duration.ZERO
                        : Duration.between(e.eventTime(), now));
            }
        }
    }

    /** The sweeper's count of unresolved findings per "criterion|severity"; the others are 0 now. */
    public void openFindings(Map<String, Long> byCriterionAndSeverity) {
        byCriterionAndSeverity.forEach((key, n) -> {
            int bar = key.indexOf('|');
            if (bar > 0) {
                openGauge(key.substring(0, bar), key.substring(bar + 1));
            }
        });
        open.forEach((key, value) -> value.set(byCriterionAndSeverity.getOrDefault(key, 0L)));
    }

    private Counter failures(String criterion, String severity) {
        if (!labelled(criterion, severity)) {
            return null;
        }
        return Counter.builder(FAILURES).tags("criterion", criterion, "severity", severity)
                .description("Failed executions stored, under each TSC criterion of their control").register(registry);
    }

    private void openGauge(String criterion, String severity) {
        if (!labelled(criterion, severity)) {
            return;
        }
        open.computeIfAbsent(criterion + "|" + severity, k -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder(OPEN, value, AtomicLong::get).strongReference(true).tags("criterion", criterion, "severity", severity)
                    .description("Unresolved findings (open, acknowledged or exempted), under each TSC criterion of "
                            + "their control").register(registry);
            return value;
        });
    }

    /** Severities are the model's; criteria are counted while fewer than MAX_CRITERIA × 4 series exist. */
    private boolean labelled(String criterion, String severity) {
        boolean knownSeverity = false;
        for (Severity s : Severity.values()) {
            knownSeverity |= s.json().equals(severity);
        }
        return knownSeverity && criterion != null && criterion.length() <= 16
                && (open.containsKey(criterion + "|" + severity) || open.size() < MAX_CRITERIA * Severity.values().length);
    }
}
