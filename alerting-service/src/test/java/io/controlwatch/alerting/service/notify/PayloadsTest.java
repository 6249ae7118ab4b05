package io.controlwatch.alerting.service.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What people read of a failure: the engine's rendered message, and the raw reason only for a control without one. */
class PayloadsTest {

    static ObjectNode finding(String message, String reason) {
        ObjectNode f = new ObjectMapper().createObjectNode();
        f.put("message", message);
        f.put("reason", reason);
        return f;
    }

    @Test
    void theSummaryIsTheRenderedMessage() {
        assertThat(Payloads.summary(finding("alice@example.com logged in to aws-console without MFA", "violated: data.mfa != true")))
                .isEqualTo("alice@example.com logged in to aws-console without MFA");
    }

    @Test
    void theSummaryFallsBackToTheReasonForAControlWithoutAMessage() {
        assertThat(Payloads.summary(finding(null, "violated: data.mfa != true"))).isEqualTo("violated: data.mfa != true");
    }
}
