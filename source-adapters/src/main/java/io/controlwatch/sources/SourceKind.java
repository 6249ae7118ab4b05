package io.controlwatch.sources;

import java.util.Arrays;
import java.util.Optional;

/**
 * The kinds of source a registered source can be: what its vendor sends and how the vendor signs it. The wire name
 * ({@link #wireName()}) is what {@code POST /api/v1/sources} takes as {@code kind}.
 */
public enum SourceKind {
    /** CloudEvents 1.0 in the ControlWatch taxonomy, structured or batch; the source's secret as bearer or basic. */
    CLOUDEVENTS("cloudevents"),
    /** AWS CloudTrail records: EventBridge events, log files ({@code {"Records": [...]}}) or single records. */
    AWS_CLOUDTRAIL("aws-cloudtrail"),
    /** GitHub organisation or repository webhooks, signed with {@code X-Hub-Signature-256}. */
    GITHUB("github"),
    /** Okta event hooks ({@code data.events[]} of System Log events), with the configured authorization header. */
    OKTA("okta"),
    /** The kube-apiserver audit webhook backend ({@code audit.k8s.io/v1 EventList}). */
    KUBERNETES_AUDIT("kubernetes-audit"),
    /** Any sender signing per Standard Webhooks v1 ({@code webhook-id}, {@code webhook-timestamp}, {@code webhook-signature}). */
    WEBHOOK("webhook");

    private final String wireName;

    SourceKind(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<SourceKind> fromWireName(String name) {
        return Arrays.stream(values()).filter(k -> k.wireName.equals(name)).findFirst();
    }
}
