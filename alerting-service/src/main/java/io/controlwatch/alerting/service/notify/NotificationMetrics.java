package io.controlwatch.alerting.service.notify;

import io.controlwatch.alerting.service.routing.Receiver;
import io.controlwatch.model.Severity;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Metrics of findings and notifications, registered at zero from the start (every severity; every receiver of each
 * config version as it comes into force), so that a rate or an alert on them has a series before the first event.
 * Labels are bounded: severities, and receiver names (at most 50 per config).
 */
@ApplicationScoped
public class NotificationMetrics {

    private final MeterRegistry registry;
    private final Map<Severity, AtomicLong> open = new EnumMap<>(Severity.class);
    private final AtomicLong dead = new AtomicLong();
    private final AtomicLong pending = new AtomicLong();

    public NotificationMetrics(MeterRegistry registry) {
        this.registry = registry;
        // A gauge reads this instance's state. Micrometer keeps the first gauge registered under a name and ignores
        // later ones, and the registry Quarkus injects outlives the application when one JVM restarts it (tests
        // do): without this, the gauges would go on reading the previous instance's state, or nothing.
        for (String gauge : java.util.List.of("cw.findings.open", "cw.notifications.dead", "cw.notifications.pending")) {
            registry.find(gauge).meters().forEach(registry::remove);
        }
        for (Severity severity : Severity.values()) {
            AtomicLong value = new AtomicLong();
            open.put(severity, value);
            Gauge.builder("cw.findings.open", value, AtomicLong::get).strongReference(true).tag("severity", severity.json())
                    .description("Unresolved findings (open, acknowledged or exempted), by severity").register(registry);
            breached(severity.json());
        }
        Gauge.builder("cw.notifications.dead", dead, AtomicLong::get).strongReference(true)
                .description("Notifications given up (DEAD) that nobody has retried yet").register(registry);
        Gauge.builder("cw.notifications.pending", pending, AtomicLong::get).strongReference(true)
                .description("Notifications waiting to be delivered (pending or being sent)").register(registry);
        registerReceivers(java.util.List.of());
        delivered("audit-events");
        failed("audit-events");
        deadLettered("audit-events");
    }

    public void registerReceivers(Collection<Receiver> receivers) {
        for (Receiver receiver : receivers) {
            delivered(receiver.name());
            failed(receiver.name());
            deadLettered(receiver.name());
        }
    }

    public Counter delivered(String receiver) {
        return Counter.builder("cw.notifications.delivered").tag("receiver", receiver)
                .description("Notifications a receiver accepted (2xx, or the SMTP server took the mail)").register(registry);
    }

    public Counter failed(String receiver) {
        return Counter.builder("cw.notifications.failed").tag("receiver", receiver)
                .description("Delivery attempts that failed (each is retried until the notification is DEAD)").register(registry);
    }

    public Counter deadLettered(String receiver) {
        return Counter.builder("cw.notifications.given.up").tag("receiver", receiver)
                .description("Notifications that became DEAD: their age limit passed without a delivery").register(registry);
    }

    public Counter breached(String severity) {
        return Counter.builder("cw.findings.sla.breached").tag("severity", severity)
                .description("Findings whose SLA passed while they were unresolved").register(registry);
    }

    public void openFindings(Map<String, Long> bySeverity) {
        for (Severity severity : Severity.values()) {
            open.get(severity).set(bySeverity.getOrDefault(severity.json(), 0L));
        }
    }

    public void outbox(long deadNow, long pendingNow) {
        dead.set(deadNow);
        pending.set(pendingNow);
    }
}
