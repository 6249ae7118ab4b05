package io.controlwatch.alerting.service.notify;

import com.fasterxml.jackson.databind.JsonNode;
import io.controlwatch.alerting.config.NotifyConfig;
import io.controlwatch.alerting.logging.NotifyLogging;
import io.controlwatch.alerting.persistence.OutboxRepository;
import io.controlwatch.alerting.persistence.OutboxRepository.AttemptResult;
import io.controlwatch.alerting.persistence.OutboxRepository.Claimed;
import io.controlwatch.alerting.persistence.OutboxRepository.Sending;
import io.controlwatch.alerting.service.routing.Receiver;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Delivers due notifications of the outbox. Any number of instances may run it at once: each claims different rows
 * ({@code FOR UPDATE SKIP LOCKED}, with a lease), delivers them outside any transaction and records every attempt.
 * A failed attempt is retried with exponential backoff and full jitter, or after the receiver's {@code Retry-After};
 * once a notification has failed for the age limit it is DEAD (listed by the API, counted, logged, retried by hand).
 */
@ApplicationScoped
public class Dispatcher {

    private static final String NOT_CONFIGURED = "is not in the notification config in force";

    private final OutboxRepository outbox;
    private final NotificationConfigs configs;
    private final Senders senders;
    private final NotificationMetrics metrics;
    private final NotifyConfig settings;
    private final Clock clock;
    private final Template text;
    private final Template html;

    public Dispatcher(OutboxRepository outbox, NotificationConfigs configs, Senders senders, NotificationMetrics metrics,
                      NotifyConfig settings, Clock clock, @Location("notifications/finding.txt") Template text,
                      @Location("notifications/finding.html") Template html) {
        this.outbox = outbox;
        this.configs = configs;
        this.senders = senders;
        this.metrics = metrics;
        this.settings = settings;
        this.clock = clock;
        this.text = text;
        this.html = html;
    }

    /** One claimed notification ready to send: what to send, frozen. */
    private record Ready(Claimed claimed, Receiver receiver, JsonNode payload) {
    }

    /** Claims, delivers and records one batch of due notifications; answers how many were claimed. */
    public Uni<Integer> dispatchDue() {
        // Before the start-up load of the config has finished, no receiver is known: a dispatch then would put each
        // notification off by the longest retry (10 minutes), a page late after every restart (seen in
        // bench/faults.sh alerting-kill-notify). Nothing is claimed until the config is loaded.
        if (!configs.loaded()) {
            return Uni.createFrom().item(0);
        }
        Instant now = clock.instant();
        NotificationConfigs.Active config = configs.current();
        return Panache.withTransaction(() -> outbox.claim(now, settings.dispatch().batchSize())
                .chain(claimed -> {
                    List<Ready> ready = new ArrayList<>();
                    List<Sending> sending = new ArrayList<>();
                    for (Claimed c : claimed) {
                        var n = c.notification();
                        if (NotificationConfigs.AUDIT_RECEIVER.equals(n.receiver())) {
                            ready.add(new Ready(c, null, n.data()));
                            sending.add(new Sending(n.notificationId(), null));
                            continue;
                        }
                        Receiver receiver = config.config().receivers().get(n.receiver());
                        JsonNode payload = n.payload();
                        JsonNode frozen = null;
                        if (receiver != null && (payload == null || payload.isNull())) {
                            payload = Payloads.build(n, receiver, c.findings(), config.config(), text, html);
                            frozen = payload;
                        }
                        ready.add(new Ready(c, receiver, payload));
                        sending.add(new Sending(n.notificationId(), frozen));
                    }
                    return outbox.markSending(sending, now, settings.dispatch().lease()).replaceWith(ready);
                }))
                .chain(ready -> ready.isEmpty() ? Uni.createFrom().item(0) : deliver(ready, config.version()));
    }

    private Uni<Integer> deliver(List<Ready> ready, long configVersion) {
        List<Uni<AttemptResult>> attempts = ready.stream().map(r -> attempt(r, configVersion)).toList();
        return Uni.join().all(attempts).andCollectFailures()
                .chain(results -> Panache.withTransaction(() -> outbox.complete(results)).invoke(() -> account(ready, results)))
                .replaceWith(ready.size());
    }

    private Uni<AttemptResult> attempt(Ready r, long configVersion) {
        var n = r.claimed().notification();
        Uni<Delivery> delivery;
        if (NotificationConfigs.AUDIT_RECEIVER.equals(n.receiver())) {
            delivery = senders.publish(n, r.payload());
        } else if (r.receiver() == null) {
            NotifyLogging.LOG.unknownReceiver(n.notificationId(), n.receiver(), configVersion);
            delivery = Uni.createFrom().item(Delivery.failed(0, 0, "receiver '" + n.receiver()
                    + "' " + NOT_CONFIGURED + " (version " + configVersion + ")", null));
        } else {
            delivery = senders.send(n, r.receiver(), r.payload());
        }
        return delivery.map(d -> result(r.claimed(), d));
    }

    private AttemptResult result(Claimed c, Delivery d) {
        Instant at = clock.instant();
        var n = c.notification();
        if (d.delivered()) {
            return new AttemptResult(n.notificationId(), c.attempt(), at, d.statusCode(), d.latencyMs(), "DELIVERED",
                    null, "DELIVERED", null);
        }
        if (!at.isBefore(c.deadAfter())) {
            return new AttemptResult(n.notificationId(), c.attempt(), at, d.statusCode() == 0 ? null : d.statusCode(),
                    d.latencyMs(), "FAILED", d.error(), "DEAD", null);
        }
        // a receiver the config in force lacks will not come back by itself: wait the longest, not the backoff,
        // so that such notifications do not keep the dispatcher from the ones it can deliver
        Duration wait = d.retryAfter() != null ? min(d.retryAfter(), settings.dispatch().maxRetryAfter())
                : d.statusCode() == 0 && d.error() != null && d.error().contains(NOT_CONFIGURED)
                ? settings.dispatch().maxRetry() : backoff(c.attempt());
        Instant next = at.plus(wait);
        if (next.isAfter(c.deadAfter())) {
            next = c.deadAfter(); // one last attempt at the age limit
        }
        return new AttemptResult(n.notificationId(), c.attempt(), at, d.statusCode() == 0 ? null : d.statusCode(),
                d.latencyMs(), "FAILED", d.error(), "PENDING", next);
    }

    /** Exponential backoff with full jitter: a random wait up to first x 2^(attempt-1), at most the maximum. */
    Duration backoff(int attempt) {
        long cap = Math.min(settings.dispatch().maxRetry().toMillis(),
                settings.dispatch().firstRetry().toMillis() << Math.min(attempt - 1, 20));
        long half = cap / 2;
        return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(half + 1));
    }

    private void account(List<Ready> ready, List<AttemptResult> results) {
        for (int i = 0; i < results.size(); i++) {
            AttemptResult result = results.get(i);
            var n = ready.get(i).claimed().notification();
            switch (result.nextStatus()) {
                case "DELIVERED" -> metrics.delivered(n.receiver()).increment();
                case "DEAD" -> {
                    metrics.failed(n.receiver()).increment();
                    metrics.deadLettered(n.receiver()).increment();
                    NotifyLogging.LOG.dead(n.notificationId(), n.receiver(), n.eventType(), result.attempt(),
                            n.createdAt().toString(), result.error(), n.notificationId());
                }
                default -> {
                    metrics.failed(n.receiver()).increment();
                    NotifyLogging.LOG.deliveryFailed(n.notificationId(), n.receiver(), n.eventType(), result.attempt(),
                            String.valueOf(result.nextAttemptAt()), result.error());
                }
            }
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
