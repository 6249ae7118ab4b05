package io.controlwatch.alerting.service.findings;

import java.time.Instant;
import java.util.List;

/** What the finding lifecycle needs of a newly stored execution. */
public record ExecutionFact(String executionId, String controlId, String controlTitle, String subject, String result,
                            String severity, List<String> criteria, String message, String reason, Instant eventTime,
                            boolean backfilled, String exemptionId) {
}
