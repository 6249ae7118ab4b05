package io.controlwatch.alerting.api;

import io.controlwatch.common.api.QueryParams;

import java.time.Duration;
import java.time.Instant;

/** The period [from, to) of a report or sample, by event time: both required and bounded, so each answer is too. */
record ReportPeriod(Instant from, Instant to) {

    static ReportPeriod of(String fromParam, String toParam, int maxDays) {
        Instant from = QueryParams.instant("from", fromParam);
        Instant to = QueryParams.instant("to", toParam);
        if (from == null) {
            throw QueryParams.invalid("from", "is required");
        }
        if (to == null) {
            throw QueryParams.invalid("to", "is required");
        }
        QueryParams.period("from", from, "to", to);
        if (Duration.between(from, to).compareTo(Duration.ofDays(maxDays)) > 0) {
            throw QueryParams.invalid("to", "must be at most " + maxDays + " days after 'from'");
        }
        return new ReportPeriod(from, to);
    }
}
