package io.controlwatch.alerting.config;

import io.quarkus.arc.DefaultBean;
import jakarta.inject.Singleton;
import jakarta.enterprise.inject.Produces;

import java.time.Clock;

/**
 * The clock findings, SLAs, exemptions and the outbox run on: the system clock, replaced in tests by a logical one.
 */
public class ClockProducer {

    @Produces
    @DefaultBean
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }
}
