package io.controlwatch.model;

import java.time.Instant;
import java.util.List;

/**
 * One evaluation of one control against one event: the unit of audit evidence. Published on
 * {@link Topics#EXECUTIONS}; stored once per {@code executionId} however often it is redelivered.
 *
 * @param executionId    deterministic id, see {@link ExecutionIds#of}
 * @param controlVersion content hash of the control definition that produced this result
 * @param reason         why the result is what it is (the violated condition, or the evaluation error); may be null on pass
 * @param subject        who or what the result is about (user, resource, repository)
 * @param eventTime      when the event happened at its source (CloudEvents {@code time}, else ingest time)
 * @param ingestTime     when ControlWatch accepted the event (the Kafka record timestamp)
 * @param evaluatedAt    when the evaluation service tested it
 * @param evidenceEventIds ids of the events that decided the result (one for single-event controls; the events
 *                       counted in a window, the trigger and the follow-up of a correlation …); empty when the
 *                       result was decided by time alone (an expected event that never came)
 * @param late           true when an event arrived after its window or deadline had already been decided
 *                       (beyond the control's grace); such an event is recorded, never dropped silently
 * @param submitter      who submitted the deciding event (CloudEvents extension {@code cwsubmitter}), when known
 * @param backfilled     true when the deciding event was part of a backfill of its source's history
 * @param message        the control's message rendered for this result, for people (null when the control has none)
 */
public record ControlExecution(
        String executionId,
        String controlId,
        String controlVersion,
        String controlTitle,
        List<String> criteria,
        Severity severity,
        ExecutionResult result,
        String reason,
        String subject,
        String eventId,
        String eventSource,
        String eventType,
        Instant eventTime,
        Instant ingestTime,
        Instant evaluatedAt,
        String pack,
        String packVersion,
        List<String> evidenceEventIds,
        boolean late,
        String submitter,
        boolean backfilled,
        String message) {

    /** For records written before evidence ids existed. */
    public ControlExecution {
        evidenceEventIds = evidenceEventIds == null ? List.of() : List.copyOf(evidenceEventIds);
    }
}
