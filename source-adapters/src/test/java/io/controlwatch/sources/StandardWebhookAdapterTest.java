package io.controlwatch.sources;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.sources.auth.DeliveryAuthenticator;
import io.controlwatch.sources.auth.SourceSecrets;
import io.controlwatch.sources.auth.StandardWebhooks;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import static io.controlwatch.sources.Deliveries.delivery;
import static io.controlwatch.sources.Deliveries.single;
import static org.assertj.core.api.Assertions.assertThat;

class StandardWebhookAdapterTest {

    final SourceAdapters adapters = new SourceAdapters(AdapterLimits.DEFAULT, new InMemoryAdapterStateStore());

    @Test
    void aSignedMessageAndItsReplayAreOneEventAndTheSubjectComesFromTheTaxonomy() {
        String secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        String body = "{\"type\":\"backup.completed\",\"timestamp\":\"2026-03-02T03:10:00Z\",\"data\":{\"system\":\"orders-db\",\"status\":\"failed\"}}";
        long timestamp = Instant.parse("2026-03-02T03:10:05Z").getEpochSecond();
        Map<String, String> headers = Map.of("webhook-id", "msg_2Lk9", "webhook-timestamp", String.valueOf(timestamp),
                "webhook-signature", StandardWebhooks.sign(secret, "msg_2Lk9", timestamp, body.getBytes(StandardCharsets.UTF_8)));
        Delivery delivery = delivery(SourceKind.WEBHOOK, "{\"source\": \"https://backup.example.com\"}", headers, body);
        DeliveryAuthenticator authenticator = new DeliveryAuthenticator(Clock.fixed(Instant.ofEpochSecond(timestamp + 60), ZoneOffset.UTC));
        assertThat(authenticator.authenticate(SourceKind.WEBHOOK, delivery.headers(), delivery.body(), SourceSecrets.of(secret))).isTrue();
        ObjectNode first = single(adapters.map(delivery));
        ObjectNode replay = single(adapters.map(delivery));
        assertThat(replay).isEqualTo(first);
        assertThat(first.path("id").asText()).isEqualTo("webhook:msg_2Lk9");
        assertThat(first.path("subject").asText()).isEqualTo("orders-db");
        assertThat(first.path("source").asText()).isEqualTo("https://backup.example.com");
        assertThat(first.path("time").asText()).isEqualTo("2026-03-02T03:10:00Z");
    }

    @Test
    void wrongShapesAreMalformed() {
        Map<String, String> headers = Map.of("webhook-id", "m1");
        assertThat(adapters.map(delivery(SourceKind.WEBHOOK, "{}", headers, "{\"type\":\"Not A Type\",\"data\":{}}"))).isInstanceOf(AdapterOutcome.Malformed.class);
        assertThat(adapters.map(delivery(SourceKind.WEBHOOK, "{}", headers, "{\"type\":\"auth.login\",\"data\":[]}"))).isInstanceOf(AdapterOutcome.Malformed.class);
        assertThat(adapters.map(delivery(SourceKind.WEBHOOK, "{}", headers, "{\"type\":\"auth.login\",\"timestamp\":\"yesterday\",\"data\":{}}"))).isInstanceOf(AdapterOutcome.Malformed.class);
        assertThat(adapters.map(delivery(SourceKind.WEBHOOK, "{}", Map.of(), "{\"type\":\"auth.login\",\"data\":{}}"))).isInstanceOf(AdapterOutcome.Malformed.class);
    }

    @Test
    void cloudEventsPassThroughAsSent() {
        String event = "{\"specversion\":\"1.0\",\"id\":\"e1\",\"source\":\"urn:x\",\"type\":\"uptime.check\",\"time\":\"2026-03-02T10:00:00Z\",\"data\":{\"target\":\"t\",\"status\":\"up\"}}";
        assertThat(((AdapterOutcome.Mapped) adapters.map(delivery(SourceKind.CLOUDEVENTS, "{}", Map.of(), "[" + event + "," + event + "]"))).events()).hasSize(2);
        assertThat(single(adapters.map(delivery(SourceKind.CLOUDEVENTS, "{}", Map.of(), event))).path("id").asText()).isEqualTo("e1");
        assertThat(adapters.map(delivery(SourceKind.CLOUDEVENTS, "{}", Map.of(), "[1]"))).isInstanceOf(AdapterOutcome.Malformed.class);
    }
}
