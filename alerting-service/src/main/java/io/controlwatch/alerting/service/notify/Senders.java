package io.controlwatch.alerting.service.notify;

import com.fasterxml.jackson.databind.JsonNode;
import io.controlwatch.alerting.config.NotifyConfig;
import io.controlwatch.alerting.messaging.Channels;
import io.controlwatch.alerting.persistence.OutboxRepository.NotificationRow;
import io.controlwatch.alerting.service.routing.Receiver;
import io.quarkus.mailer.Mail;
import io.quarkus.mailer.reactive.ReactiveMailer;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Delivers a frozen payload to its receiver, once, and says how it went: webhooks signed per Standard Webhooks, Slack
 * and PagerDuty over HTTP (Vert.x web client), e-mail through quarkus-mailer, audit events to Kafka. Every repeated
 * delivery of a notification carries the same idempotency key: {@code webhook-id} (the notification id), PagerDuty's
 * {@code dedup_key} (the finding id), the e-mail {@code Message-ID}, the CloudEvent id of an audit event.
 */
@ApplicationScoped
public class Senders {

    private final WebClient http;
    private final ReactiveMailer mailer;
    private final MutinyEmitter<String> auditEvents;
    private final NotifyConfig config;
    private final Clock clock;

    public Senders(Vertx vertx, ReactiveMailer mailer, @Channel(Channels.AUDIT_EVENTS_OUT) MutinyEmitter<String> auditEvents,
                   NotifyConfig config, Clock clock) {
        this.http = WebClient.create(vertx, new WebClientOptions()
                .setConnectTimeout((int) config.dispatch().timeout().toMillis())
                .setIdleTimeout((int) config.dispatch().timeout().toSeconds() + 1)
                .setUserAgent("ControlWatch-Notifications/1")
                .setFollowRedirects(false));
        this.mailer = mailer;
        this.auditEvents = auditEvents;
        this.config = config;
        this.clock = clock;
    }

    @PreDestroy
    void close() {
        http.close();
    }

    public Uni<Delivery> send(NotificationRow n, Receiver receiver, JsonNode payload) {
        long start = System.nanoTime();
        Uni<Delivery> delivery;
        if (receiver instanceof Receiver.Webhook w) {
            delivery = webhook(n, w, payload.path("body").asText(), start);
        } else if (receiver instanceof Receiver.Slack s) {
            delivery = post(s.url(), payload.path("body").asText(), List.of(), start);
        } else if (receiver instanceof Receiver.PagerDuty p) {
            delivery = pagerDuty(p, payload, start);
        } else {
            delivery = email(n, payload, start);
        }
        return delivery.onFailure().recoverWithItem(f -> Delivery.failed(0, millisSince(start), describe(f), null));
    }

    /** An audit CloudEvent to the events topic; done once Kafka acknowledged it. */
    public Uni<Delivery> publish(NotificationRow n, JsonNode event) {
        long start = System.nanoTime();
        OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(event.path("subject").asText("notification-config"))
                .withHeaders(new org.apache.kafka.common.header.internals.RecordHeaders()
                        .add("content-type", "application/cloudevents+json".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .build();
        return auditEvents.sendMessage(Message.of(event.toString()).addMetadata(metadata))
                .replaceWith(() -> Delivery.ok(200, millisSince(start)))
                .onFailure().recoverWithItem(f -> Delivery.failed(0, millisSince(start), describe(f), null));
    }

    private Uni<Delivery> webhook(NotificationRow n, Receiver.Webhook receiver, String body, long start) {
        long timestamp = clock.instant().getEpochSecond();
        String id = n.notificationId();
        List<String[]> headers = List.of(
                new String[]{"webhook-id", id},
                new String[]{"webhook-timestamp", String.valueOf(timestamp)},
                new String[]{"webhook-signature", StandardWebhooks.signature(receiver.secrets(), id, timestamp, body)},
                new String[]{"Content-Type", "application/cloudevents+json"});
        return post(receiver.url(), body, headers, start);
    }

    /** One request per finding of the notification, in order; it is delivered once all are. */
    private Uni<Delivery> pagerDuty(Receiver.PagerDuty receiver, JsonNode payload, long start) {
        List<String> events = new ArrayList<>();
        payload.path("events").forEach(e -> events.add(e.asText()));
        Uni<Delivery> chain = Uni.createFrom().item(Delivery.ok(202, 0));
        for (String event : events) {
            chain = chain.chain(previous -> previous.delivered()
                    ? post(receiver.url(), event, List.<String[]>of(new String[]{"Content-Type", "application/json"}), start)
                    : Uni.createFrom().item(previous));
        }
        return chain;
    }

    private Uni<Delivery> post(URI url, String body, List<String[]> headers, long start) {
        var request = http.requestAbs(HttpMethod.POST, url.toString()).timeout(config.dispatch().timeout().toMillis());
        if (headers.stream().noneMatch(h -> h[0].equalsIgnoreCase("Content-Type"))) {
            request.putHeader("Content-Type", "application/json");
        }
        headers.forEach(h -> request.putHeader(h[0], h[1]));
        // the client's timeout is between bytes; this bounds the whole exchange
        return request.sendBuffer(Buffer.buffer(body)).map(response -> result(response, start))
                .ifNoItem().after(config.dispatch().timeout().multipliedBy(2))
                .failWith(() -> new java.util.concurrent.TimeoutException(
                        "no complete answer within " + config.dispatch().timeout().multipliedBy(2)));
    }

    private Delivery result(HttpResponse<Buffer> response, long start) {
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return Delivery.ok(status, millisSince(start));
        }
        String text = response.bodyAsString();
        String error = "HTTP " + status + (text == null || text.isBlank() ? "" : ": " + firstLine(text));
        return Delivery.failed(status, millisSince(start), error,
                status == 429 || status == 503 ? retryAfter(response.getHeader("Retry-After")) : null);
    }

    private Uni<Delivery> email(NotificationRow n, JsonNode payload, long start) {
        List<String> to = new ArrayList<>();
        payload.path("to").forEach(a -> to.add(a.asText()));
        Mail mail = new Mail().setTo(to).setSubject(payload.path("subject").asText())
                .setText(payload.path("text").asText()).setHtml(payload.path("html").asText())
                // the same Message-ID on every retry: mail systems and people can tell a repeat from a new mail
                .addHeader("Message-ID", "<" + n.notificationId() + "@controlwatch>")
                .addHeader("X-ControlWatch-Notification", n.notificationId());
        if (payload.hasNonNull("from")) {
            mail.setFrom(payload.path("from").asText());
        }
        // the mailer has no deadline of its own: an SMTP server that accepts and then says nothing (or a pooled
        // connection left behind by one that went away) would otherwise hold the dispatcher for good
        return mailer.send(mail).replaceWith(() -> Delivery.ok(250, millisSince(start)))
                .ifNoItem().after(config.dispatch().timeout())
                .failWith(() -> new java.util.concurrent.TimeoutException(
                        "no answer from the SMTP server within " + config.dispatch().timeout()));
    }

    /** Seconds, or an HTTP date; null when absent or unreadable. */
    Duration retryAfter(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(header.trim())));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(header.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration wait = Duration.between(clock.instant(), at);
                return wait.isNegative() ? Duration.ZERO : wait;
            } catch (RuntimeException notADate) {
                return null;
            }
        }
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private static String describe(Throwable f) {
        String message = f.getMessage();
        return f.getClass().getSimpleName() + (message == null ? "" : ": " + firstLine(message));
    }

    private static String firstLine(String text) {
        int newline = text.indexOf('\n');
        String line = newline < 0 ? text : text.substring(0, newline);
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }
}
