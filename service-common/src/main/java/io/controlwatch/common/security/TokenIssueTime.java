package io.controlwatch.common.security;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.time.Clock;
import java.time.Instant;

/**
 * Refuses tokens issued in the future. The JWT verifier checks signature, issuer, audience, expiry, not-before and
 * maximum age, but not that {@code iat} lies in the past: a token minted with a future issue time would outlive the
 * maximum age by that much. Tolerates the same clock skew as the verifier.
 */
@ApplicationScoped
public class TokenIssueTime implements SecurityIdentityAugmentor {

    private final long skewSeconds;
    private final Clock clock = Clock.systemUTC();

    public TokenIssueTime(@ConfigProperty(name = "mp.jwt.verify.clock.skew", defaultValue = "60") long skewSeconds) {
        this.skewSeconds = skewSeconds;
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.getPrincipal() instanceof JsonWebToken token && token.getIssuedAtTime() > 0) {
            Instant issued = Instant.ofEpochSecond(token.getIssuedAtTime());
            if (issued.isAfter(clock.instant().plusSeconds(skewSeconds))) {
                return Uni.createFrom().failure(new AuthenticationFailedException("token issued in the future"));
            }
        }
        return Uni.createFrom().item(identity);
    }
}
