package io.controlwatch.alerting.service;

import io.controlwatch.alerting.config.StoreConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Default;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether evidence is being stored. Readiness goes DOWN, with the reason, when records have waited longer than
 * {@link StoreConfig#stallAfter()} without anything being stored: an operator must learn that evidence recording
 * stopped, not discover it at audit time. Idle (nothing to store) is healthy.
 */
@Readiness
@Default
@ApplicationScoped
public class StoreProgress implements HealthCheck {

    private record Stall(Instant since, String reason) {
    }

    private final StoreConfig config;
    private final Clock clock;
    private final AtomicReference<Stall> stall = new AtomicReference<>();

    public StoreProgress(StoreConfig config) {
        this.config = config;
        this.clock = Clock.systemUTC();
    }

    /** A store attempt failed and records wait; keeps the time the waiting began. */
    public void failing(String reason) {
        Instant now = clock.instant();
        stall.updateAndGet(s -> new Stall(s == null ? now : s.since(), reason));
    }

    /** Records were stored (or set aside): whatever waited is moving again. */
    public void progressed() {
        stall.set(null);
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("evidence store progress");
        Stall current = stall.get();
        if (current == null) {
            return response.up().build();
        }
        Duration waiting = Duration.between(current.since(), clock.instant());
        response.withData("waitingSince", current.since().toString()).withData("lastFailure", current.reason());
        return waiting.compareTo(config.stallAfter()) >= 0 ? response.down().build() : response.up().build();
    }
}
