package io.controlwatch.alerting.service.reports;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The operating-effectiveness report of one period [from, to), by event time: how each control operated and how its
 * exceptions were handled, and a roll-up per Trust Services criterion.
 *
 * @param days the UTC calendar days the period touches (coverage is counted over these)
 */
public record OperatingEffectiveness(Instant from, Instant to, long days, List<ControlReport> controls,
                                     List<CriterionReport> criteria) {

    public OperatingEffectiveness {
        controls = List.copyOf(controls);
        criteria = List.copyOf(criteria);
    }

    /**
     * One control in the period.
     *
     * @param status                 {@code active}, {@code retired} or {@code unknown}, as {@code GET /api/v1/controls}
     * @param exceptionRate          failures / (passes + failures), null when nothing was tested
     * @param findingsOpenAtEnd      findings opened before the period's end and not resolved by then
     * @param remediation            seconds from opening to resolution of the findings resolved in the period
     * @param slaBreaches            findings whose SLA fell due in the period before they were resolved
     * @param exemptions             exemptions approved and not yet ended, expired or revoked at some time in the period
     * @param daysWithoutExecutions  UTC days of the period (YYYY-MM-DD) in which the control recorded no execution
     * @param daily                  only when asked for: the figures per UTC day with executions, oldest first
     */
    public record ControlReport(String controlId, String title, String description, List<String> criteria,
                                String owner, String severity, String status, List<VersionSeen> versions,
                                long population, long passes, long failures, long errors, long late, long backfilled,
                                long exempted, Double exceptionRate, long findingsOpened, long findingsResolved,
                                long findingsOpenAtEnd, Remediation remediation, long slaBreaches,
                                List<UUID> exemptions, long daysWithExecutions, List<String> daysWithoutExecutions,
                                @JsonInclude(JsonInclude.Include.NON_NULL) List<DayCount> daily) {
    }

    /** One UTC day of a control's executions: the population and its results. */
    public record DayCount(String day, long population, long passes, long failures, long errors) {
    }

    /** A control version that produced executions in the period, with its first and last event time. */
    public record VersionSeen(String version, Instant firstExecutionAt, Instant lastExecutionAt, long executions) {
    }

    /**
     * Time to remediate, in whole seconds; null when no finding was resolved in the period. The median and p90 are
     * observed values (the smallest with at least half, 90 %, of the findings at or below it), never interpolated.
     */
    public record Remediation(long resolved, Long medianSeconds, Long p90Seconds, Long maxSeconds) {
    }

    /**
     * A criterion and the controls of the report that support it (by the catalog's criteria), or a criterion the pack
     * in force at the period's end marks manual: tested by people, so never counted as passing here.
     *
     * @param manual        the pack in force at the period's end lists the criterion under {@code manual:}
     * @param manualReason  the pack's reason, when {@code manual}; null otherwise
     */
    public record CriterionReport(String criterion, long controls, long population, long passes, long failures,
                                 long errors, Double exceptionRate, boolean manual, String manualReason) {

        /** A manual criterion no reported control supports: nothing tested, no exception rate. */
        static CriterionReport manual(String criterion, String reason) {
            return new CriterionReport(criterion, 0, 0, 0, 0, 0, null, true, reason);
        }

        CriterionReport markedManual(String reason) {
            return new CriterionReport(criterion, controls, population, passes, failures, errors, exceptionRate, true,
                    reason);
        }
    }
}
