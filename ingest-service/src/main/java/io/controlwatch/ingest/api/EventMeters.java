package io.controlwatch.ingest.api;

import io.controlwatch.ingest.service.SourceActivity;
import io.controlwatch.ingest.service.SourceRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.List;

/**
 * Registers the ingest counters at zero when the service starts (the resource that increments them is created on
 * the first request), so a dashboard or an alert sees 0 rather than no data.
 */
@ApplicationScoped
public class EventMeters {

    /** The problem types an event can be refused with (docs/api.md "Errors"). */
    static final List<String> REJECTION_REASONS = List.of("malformed-json", "invalid-event", "invalid-batch",
            "batch-too-large", "forbidden-event", "payload-too-large", "unreadable-body", "event-store-unavailable");

    void onStart(@Observes StartupEvent startup, MeterRegistry registry, SourceRegistry sources, SourceActivity activity) {
        registry.counter("cw.events.accepted");
        // per registered source (bounded by the registry): those registered later start at their registration
        sources.all().forEach(source -> activity.known(source.id()));
        REJECTION_REASONS.forEach(reason -> registry.counter("cw.events.rejected", "reason", reason));
    }
}
