package io.controlwatch.alerting.service.notify;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The specification's known answer, and rotation with two secrets. */
class StandardWebhooksTest {

    @Test
    void signsTheSpecificationsExample() {
        assertThat(StandardWebhooks.sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330, "{\"test\": 2432232314}"))
                .isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    @Test
    void signsWithBothSecretsWhileRotating() {
        String next = "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32]);
        String header = StandardWebhooks.signature(List.of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", next),
                "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232314}");
        assertThat(header.split(" ")).hasSize(2)
                .startsWith("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
                .doesNotHaveDuplicates();
    }
}
