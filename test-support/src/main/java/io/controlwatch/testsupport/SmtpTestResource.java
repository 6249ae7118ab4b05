package io.controlwatch.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/** Points a Quarkus test's mailer at the real SMTP server of {@link TestSmtp}. */
public class SmtpTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return Map.of("quarkus.mailer.host", TestSmtp.host(),
                "quarkus.mailer.port", String.valueOf(TestSmtp.port()),
                "quarkus.mailer.start-tls", "DISABLED",
                "quarkus.mailer.mock", "false");
    }

    @Override
    public void stop() {
        // the server lives for the whole test JVM
    }
}
