package io.controlwatch.alerting.service.routing;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A validated notification config: named receivers, the routing tree, and the link template of findings. Built only
 * by {@link NotificationConfigLoader}. Docs: docs/notifications.md.
 *
 * @param findingUrl template of a finding's link in messages, {@code {id}} replaced by the finding id
 */
public record NotificationConfig(Map<String, Receiver> receivers, Route route, String findingUrl, String document,
                                 String sha256) {

    /** A config that sends nothing: the state before any document was loaded. */
    public static NotificationConfig none() {
        return NotificationConfigLoader.parse("""
                formatVersion: 1
                receivers: []
                """, "built-in (no notifications)");
    }

    public Optional<Receiver> receiver(String name) {
        return Optional.ofNullable(receivers.get(name));
    }

    /** Whether anything is routed at all. */
    public boolean sendsNothing() {
        return route == null;
    }

    public List<Route> routesFor(FindingLabels labels) {
        return route == null ? List.of() : RoutingTree.routesFor(route, labels);
    }

    public String linkTo(String findingId) {
        return findingUrl == null ? null : findingUrl.replace("{id}", findingId);
    }
}
