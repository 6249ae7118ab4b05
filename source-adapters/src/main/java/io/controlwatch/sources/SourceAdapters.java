package io.controlwatch.sources;

import io.controlwatch.sources.cloudtrail.CloudTrailAdapter;
import io.controlwatch.sources.github.GitHubAdapter;
import io.controlwatch.sources.kubernetes.KubernetesAuditAdapter;
import io.controlwatch.sources.okta.OktaAdapter;
import io.controlwatch.sources.webhook.CloudEventsAdapter;
import io.controlwatch.sources.webhook.StandardWebhookAdapter;

import java.util.EnumMap;
import java.util.Map;

/**
 * The adapters of every {@link SourceKind}, sharing one state store and one set of limits. Ingest creates one instance
 * at start and calls {@link #forKind(SourceKind)} per delivery:
 *
 * <pre>{@code
 * SourceAdapters adapters = new SourceAdapters(AdapterLimits.DEFAULT, postgresStateStore);
 * AdapterOutcome outcome = adapters.map(new Delivery(source, DeliveryHeaders.of(headers), body, Instant.now()));
 * }</pre>
 */
public final class SourceAdapters {

    private final Map<SourceKind, SourceAdapter> adapters = new EnumMap<>(SourceKind.class);

    public SourceAdapters(AdapterLimits limits, AdapterStateStore state) {
        register(new CloudEventsAdapter(limits));
        register(new CloudTrailAdapter(limits));
        register(new GitHubAdapter(limits, state));
        register(new OktaAdapter(limits, state));
        register(new KubernetesAuditAdapter(limits));
        register(new StandardWebhookAdapter(limits));
    }

    private void register(SourceAdapter adapter) {
        adapters.put(adapter.kind(), adapter);
    }

    public SourceAdapter forKind(SourceKind kind) {
        return adapters.get(kind);
    }

    /** Maps a delivery with the adapter of its source's kind. Never throws. */
    public AdapterOutcome map(Delivery delivery) {
        try {
            return forKind(delivery.source().kind()).map(delivery);
        } catch (RuntimeException bug) {
            // The adapters are written not to throw; should one still do, the sender gets a 400 it can read and
            // ingest keeps serving (the raw payload is on cw.raw.v1 for replay once fixed).
            return new AdapterOutcome.Malformed("the payload could not be mapped (" + bug.getClass().getSimpleName() + ")");
        }
    }
}
