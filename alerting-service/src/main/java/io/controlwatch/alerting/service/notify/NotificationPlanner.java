package io.controlwatch.alerting.service.notify;

import io.controlwatch.alerting.service.findings.FindingEvent;
import io.controlwatch.alerting.service.routing.NotificationConfig;
import io.controlwatch.alerting.service.routing.Receiver;
import io.controlwatch.alerting.service.routing.Route;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who is told of which finding change. A new finding goes where the routing tree sends it, grouped; every later
 * change of it (acknowledged, resolved, exempted) goes to the receivers that were told of it, each on its own, so a
 * pager that was triggered is also acknowledged and resolved.
 */
public final class NotificationPlanner {

    private NotificationPlanner() {
    }

    /**
     * @param told the receivers already told of each finding (from earlier transactions)
     */
    public static List<NotificationIntent> plan(List<FindingEvent> events, NotificationConfig config,
                                                Map<String, Set<String>> told) {
        Map<String, Set<String>> receivers = new HashMap<>();
        told.forEach((finding, names) -> receivers.put(finding, new LinkedHashSet<>(names)));
        List<NotificationIntent> intents = new ArrayList<>();
        for (FindingEvent event : events) {
            String findingId = event.finding().findingId();
            if (FindingEvent.OPENED.equals(event.type())) {
                for (Route route : config.routesFor(event.finding().labels())) {
                    Receiver receiver = config.receivers().get(route.receiver());
                    intents.add(new NotificationIntent(receiver.name(), receiver.kind(), event.cloudEventType(),
                            route.groupKey(event.finding().labels(), findingId), findingId, true, route.groupWait(),
                            route.groupInterval(), route.repeatInterval()));
                    receivers.computeIfAbsent(findingId, f -> new LinkedHashSet<>()).add(receiver.name());
                }
            } else {
                for (String name : receivers.getOrDefault(findingId, Set.of())) {
                    config.receiver(name).ifPresent(receiver -> intents.add(single(receiver, event.cloudEventType(), findingId)));
                }
            }
        }
        return intents;
    }

    /** A notification of one finding alone, sent at once. */
    public static NotificationIntent single(Receiver receiver, String eventType, String findingId) {
        return new NotificationIntent(receiver.name(), receiver.kind(), eventType,
                "finding/" + findingId + "/" + eventType, findingId, false, Duration.ZERO, Duration.ZERO, null);
    }
}
