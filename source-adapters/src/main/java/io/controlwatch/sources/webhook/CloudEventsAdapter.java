package io.controlwatch.sources.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.sources.AdapterLimits;
import io.controlwatch.sources.AdapterOutcome;
import io.controlwatch.sources.Delivery;
import io.controlwatch.sources.SourceAdapter;
import io.controlwatch.sources.SourceKind;
import io.controlwatch.sources.internal.BoundedJson;
import io.controlwatch.sources.internal.Options;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A registered source that already speaks the taxonomy: one CloudEvent (structured mode) or a JSON array of them
 * (batch format), passed through unchanged. Ingest validates them exactly as on {@code POST /api/v1/events}; what this
 * kind adds is the source's own secret and its entry in the registry (liveness, backfill, metrics).
 */
public final class CloudEventsAdapter implements SourceAdapter {

    private final AdapterLimits limits;
    private final BoundedJson json;

    public CloudEventsAdapter(AdapterLimits limits) {
        this.limits = limits;
        this.json = new BoundedJson(limits);
    }

    @Override
    public SourceKind kind() {
        return SourceKind.CLOUDEVENTS;
    }

    @Override
    public List<String> validateOptions(JsonNode options) {
        return Options.problems(options, Map.of());
    }

    @Override
    public AdapterOutcome map(Delivery delivery) {
        JsonNode body;
        try {
            body = json.parse(delivery.body());
        } catch (BoundedJson.BadJson e) {
            return new AdapterOutcome.Malformed(e.getMessage());
        }
        List<ObjectNode> events = new ArrayList<>();
        if (body.isArray()) {
            if (body.size() > limits.maxEventsOut()) {
                return new AdapterOutcome.Malformed("a batch of " + body.size() + " events is more than the " + limits.maxEventsOut() + " accepted");
            }
            for (JsonNode event : body) {
                if (!event.isObject()) {
                    return new AdapterOutcome.Malformed("every element of a batch must be a CloudEvent object");
                }
                events.add((ObjectNode) event);
            }
        } else if (body.isObject()) {
            events.add((ObjectNode) body);
        } else {
            return new AdapterOutcome.Malformed("a CloudEvent (object) or a batch (array) is expected");
        }
        return new AdapterOutcome.Mapped(events, 0);
    }
}
