package io.controlwatch.alerting.service.findings;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.controlwatch.alerting.service.routing.FindingLabels;

import java.time.Instant;
import java.util.List;

/**
 * One problem of one control for one subject, as stored in table {@code finding} (snake_case in JSON, as the
 * statements read and write it). Immutable: each change makes a new value.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Finding(String findingId, String controlId, String controlTitle, String subject, String subjectKey,
                      String status, String severity, List<String> criteria, String owner, String message,
                      String reason, Instant openedAt, Instant firstSeenAt, Instant lastSeenAt, long failureCount,
                      Instant slaDueAt, boolean slaBreached, Instant acknowledgedAt, String acknowledgedBy,
                      String assignee, Instant resolvedAt, String resolvedBy, String resolutionReason,
                      String resolvingExecutionId, String previousFindingId, String exemptionId, boolean quiet,
                      Instant updatedAt, long version) {

    public static final String OPEN = "OPEN";
    public static final String ACKNOWLEDGED = "ACKNOWLEDGED";
    public static final String RESOLVED = "RESOLVED";
    public static final String EXEMPTED = "EXEMPTED";

    public Finding {
        criteria = criteria == null ? List.of() : List.copyOf(criteria);
    }

    public boolean unresolved() {
        return !RESOLVED.equals(status);
    }

    public FindingLabels labels() {
        return new FindingLabels(controlId, subject, severity, owner, criteria, EXEMPTED.equals(status));
    }

    Finding withStatus(String newStatus, Instant now) {
        return new Finding(findingId, controlId, controlTitle, subject, subjectKey, newStatus, severity, criteria, owner,
                message, reason, openedAt, firstSeenAt, lastSeenAt, failureCount, slaDueAt, slaBreached,
                acknowledgedAt, acknowledgedBy, assignee, resolvedAt, resolvedBy, resolutionReason,
                resolvingExecutionId, previousFindingId, exemptionId, quiet, now, version);
    }

    Finding attach(Instant eventTime, String newMessage, String newReason, boolean stillQuiet, Instant now) {
        return new Finding(findingId, controlId, controlTitle, subject, subjectKey, status, severity, criteria, owner,
                newMessage != null ? newMessage : message, newReason != null ? newReason : reason, openedAt,
                firstSeenAt.isBefore(eventTime) ? firstSeenAt : eventTime,
                lastSeenAt.isAfter(eventTime) ? lastSeenAt : eventTime, failureCount + 1, slaDueAt, slaBreached,
                acknowledgedAt, acknowledgedBy, assignee, resolvedAt, resolvedBy, resolutionReason,
                resolvingExecutionId, previousFindingId, exemptionId, quiet && stillQuiet, now, version);
    }

    Finding exempted(String byExemption, Instant now) {
        return new Finding(findingId, controlId, controlTitle, subject, subjectKey, EXEMPTED, severity, criteria, owner,
                message, reason, openedAt, firstSeenAt, lastSeenAt, failureCount, slaDueAt, slaBreached,
                acknowledgedAt, acknowledgedBy, assignee, resolvedAt, resolvedBy, resolutionReason,
                resolvingExecutionId, previousFindingId, byExemption, quiet, now, version);
    }

    /** Back from EXEMPTED when its exemption has ended and the control fails again: a new SLA from now. */
    Finding reopened(Instant now, Instant newSlaDue) {
        return new Finding(findingId, controlId, controlTitle, subject, subjectKey, OPEN, severity, criteria, owner,
                message, reason, openedAt, firstSeenAt, lastSeenAt, failureCount, newSlaDue, false, null, null,
                assignee, null, null, null, null, previousFindingId, null, quiet, now, version);
    }

    public Finding acknowledged(String by, Instant now) {
        return new Finding(findingId, controlId, controlTitle, subject, subjectKey, ACKNOWLEDGED, severity, criteria,
                owner, message, reason, openedAt, firstSeenAt, lastSeenAt, failureCount, slaDueAt, slaBreached, now, by,
                assignee, resolvedAt, resolvedBy, resolutionReason, resolvingExecutionId, previousFindingId,
                exemptionId, quiet, now, version);
    }

    public Finding resolved(String by, String why, String executionId, Instant now) {
        return new Finding(findingId, controlId, controlTitle, subject, subjectKey, RESOLVED, severity, criteria, owner,
                message, reason, openedAt, firstSeenAt, lastSeenAt, failureCount, slaDueAt, slaBreached,
                acknowledgedAt, acknowledgedBy, assignee, now, by, why, executionId, previousFindingId, exemptionId,
                quiet, now, version);
    }

    public Finding assigned(String to, Instant now) {
        return new Finding(findingId, controlId, controlTitle, subject, subjectKey, status, severity, criteria, owner,
                message, reason, openedAt, firstSeenAt, lastSeenAt, failureCount, slaDueAt, slaBreached,
                acknowledgedAt, acknowledgedBy, to, resolvedAt, resolvedBy, resolutionReason, resolvingExecutionId,
                previousFindingId, exemptionId, quiet, now, version);
    }

    public Finding breached(Instant now) {
        return new Finding(findingId, controlId, controlTitle, subject, subjectKey, status, severity, criteria, owner,
                message, reason, openedAt, firstSeenAt, lastSeenAt, failureCount, slaDueAt, true, acknowledgedAt,
                acknowledgedBy, assignee, resolvedAt, resolvedBy, resolutionReason, resolvingExecutionId,
                previousFindingId, exemptionId, quiet, now, version);
    }

    public Finding touched(Instant now) {
        return withStatus(status, now);
    }

    /** The subject key of executions: their subject, or '' when they name none. */
    public static String keyOf(String subject) {
        return subject == null ? "" : subject;
    }
}
