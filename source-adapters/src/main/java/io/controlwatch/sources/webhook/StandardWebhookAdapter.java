package io.controlwatch.sources.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.sources.AdapterLimits;
import io.controlwatch.sources.AdapterOutcome;
import io.controlwatch.sources.Delivery;
import io.controlwatch.sources.SourceAdapter;
import io.controlwatch.sources.SourceKind;
import io.controlwatch.sources.internal.BoundedJson;
import io.controlwatch.sources.internal.EventFactory;
import io.controlwatch.sources.internal.Fields;
import io.controlwatch.sources.internal.Options;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Any sender that signs per Standard Webhooks v1 and sends the payload structure that specification recommends:
 * {@code {"type": "<ControlWatch type>", "timestamp": "<RFC 3339>", "data": {...}}}, optionally with a
 * {@code subject}. The id is {@code webhook:<webhook-id>}: Standard Webhooks senders keep the message id on every retry,
 * so a retried message is the same event. Senders that already speak CloudEvents use the {@code cloudevents} kind.
 */
public final class StandardWebhookAdapter implements SourceAdapter {

    static final Map<String, Options.Type> OPTIONS = new LinkedHashMap<>();

    static {
        OPTIONS.put("source", Options.Type.STRING);
    }

    private static final Pattern TYPE = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*){1,5}");
    private static final Pattern MESSAGE_ID = Pattern.compile("[\\x21-\\x7e]{1,256}");

    private final BoundedJson json;

    public StandardWebhookAdapter(AdapterLimits limits) {
        this.json = new BoundedJson(limits);
    }

    @Override
    public SourceKind kind() {
        return SourceKind.WEBHOOK;
    }

    @Override
    public List<String> validateOptions(JsonNode options) {
        return Options.problems(options, OPTIONS);
    }

    @Override
    public AdapterOutcome map(Delivery delivery) {
        Optional<String> messageId = delivery.headers().get("webhook-id").filter(id -> MESSAGE_ID.matcher(id).matches());
        if (messageId.isEmpty()) {
            return new AdapterOutcome.Malformed("webhook-id must be the message id (printable, at most 256 characters)");
        }
        JsonNode payload;
        try {
            payload = json.parse(delivery.body());
        } catch (BoundedJson.BadJson e) {
            return new AdapterOutcome.Malformed(e.getMessage());
        }
        if (!payload.isObject()) {
            return new AdapterOutcome.Malformed("a Standard Webhooks payload is a JSON object {type, timestamp, data}");
        }
        Optional<String> type = Fields.text(payload, "type");
        if (type.isEmpty() || type.get().length() > 100 || !TYPE.matcher(type.get()).matches()) {
            return new AdapterOutcome.Malformed("type must be an event type of the taxonomy, e.g. auth.login (docs/events.md)");
        }
        JsonNode data = payload.path("data");
        if (!data.isObject()) {
            return new AdapterOutcome.Malformed("data must be a JSON object");
        }
        Optional<Instant> time = Fields.text(payload, "timestamp").flatMap(Fields::parseInstant);
        if (payload.has("timestamp") && time.isEmpty()) {
            return new AdapterOutcome.Malformed("timestamp must be an RFC 3339 timestamp, e.g. 2026-03-02T10:15:00Z");
        }
        Optional<String> subject = Fields.text(payload, "subject").filter(s -> s.length() <= 1024)
                .or(() -> TaxonomySubjects.of(type.get(), data));
        String source = new Options(delivery.source().options()).string("source").orElse(delivery.source().fallbackEventSource());
        ObjectNode event = EventFactory.event(EventFactory.id("webhook", messageId.get()), source, type.get(),
                subject.orElse(null), time.orElse(delivery.receivedAt()), data.deepCopy());
        return new AdapterOutcome.Mapped(List.of(event), 0);
    }
}
