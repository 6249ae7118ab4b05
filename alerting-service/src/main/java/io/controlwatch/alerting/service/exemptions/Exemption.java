package io.controlwatch.alerting.service.exemptions;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.controlwatch.alerting.service.routing.Glob;

import java.time.Instant;

/** A governed exemption as stored in table {@code exemption}. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Exemption(String exemptionId, String controlId, String subjectPattern, String reason, String status,
                        String requestedBy, Instant requestedAt, Instant expiresAt, String decidedBy,
                        Instant decidedAt, String decisionComment, String endedBy, Instant endedAt,
                        Instant updatedAt) {

    public static final String PENDING = "PENDING";
    public static final String ACTIVE = "ACTIVE";
    public static final String REJECTED = "REJECTED";
    public static final String REVOKED = "REVOKED";
    public static final String EXPIRED = "EXPIRED";

    /** Whether it covers a failure of this control for this subject at this time. */
    public boolean covers(String control, String subject, Instant at) {
        return ACTIVE.equals(status) && expiresAt.isAfter(at) && controlId.equals(control)
                && Glob.matches(subjectPattern, subject == null ? "" : subject);
    }
}
