package io.controlwatch.console.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.controlwatch.testsupport.TestHttpReceivers;
import io.controlwatch.testsupport.TestTokens;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * The console under test: it accepts {@link TestTokens} as bearer tokens (OIDC in service mode, verified locally with
 * the test key: no identity provider needed, and the pages see the same roles and access token as after a browser
 * sign-in), and calls a real HTTP server (WireMock, {@link TestHttpReceivers}) as the alerting and ingest APIs.
 */
public class ConsoleTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        String pem;
        try {
            pem = Files.readString(TestTokens.publicKeyFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String key = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        String api = TestHttpReceivers.baseUrl();
        // the web-app-only settings, unset (an empty value is no value)
        return Map.of("quarkus.oidc.application-type", "service",
                "quarkus.oidc.token.refresh-expired", "false",
                "quarkus.oidc.logout.path", "",
                // no provider: the key alone verifies (quarkus-oidc uses it only without an auth-server-url)
                "quarkus.oidc.auth-server-url", "",
                "quarkus.oidc.public-key", key,
                "quarkus.oidc.token.issuer", TestTokens.ISSUER,
                "cw.console.alerting-url", api,
                "cw.console.ingest-url", api,
                "cw.console.pack-file", Path.of("..", "control-packs", "soc2", "controls.yaml").toAbsolutePath().normalize().toString());
    }

    @Override
    public void stop() {
    }
}
