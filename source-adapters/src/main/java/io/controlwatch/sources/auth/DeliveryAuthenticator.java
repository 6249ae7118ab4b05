package io.controlwatch.sources.auth;

import io.controlwatch.sources.DeliveryHeaders;
import io.controlwatch.sources.SourceKind;

import java.time.Clock;

/**
 * Authenticates a delivery the way the source's vendor signs or authorises it. The answer is yes or no only: a
 * failure says nothing about which part failed (ingest answers 401 with one fixed problem type).
 *
 * <pre>{@code
 * DeliveryAuthenticator authenticator = new DeliveryAuthenticator(Clock.systemUTC());
 * if (!authenticator.authenticate(source.kind(), headers, body, secrets)) { ... 401 ... }
 * }</pre>
 */
public final class DeliveryAuthenticator {

    private final Clock clock;

    public DeliveryAuthenticator(Clock clock) {
        this.clock = clock;
    }

    public boolean authenticate(SourceKind kind, DeliveryHeaders headers, byte[] body, SourceSecrets secrets) {
        return switch (kind) {
            case GITHUB -> GitHubSignature.verify(body, headers.get(GitHubSignature.HEADER).orElse(null), secrets);
            case WEBHOOK -> StandardWebhooks.verify(headers.get(StandardWebhooks.ID).orElse(null),
                    headers.get(StandardWebhooks.TIMESTAMP).orElse(null), headers.get(StandardWebhooks.SIGNATURE).orElse(null),
                    body, secrets, clock.instant());
            case OKTA -> OktaEventHooks.verify(headers.get("Authorization").orElse(null), secrets);
            case AWS_CLOUDTRAIL, KUBERNETES_AUDIT, CLOUDEVENTS ->
                    SharedSecretAuthorization.verify(headers.get("Authorization").orElse(null), secrets);
        };
    }
}
