package io.controlwatch.alerting.service.findings;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.Instant;

/** An execution a finding is made of: a failure attached to it, or the pass that resolved it. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Evidence(String findingId, String executionId, String result, Instant eventTime) {
}
