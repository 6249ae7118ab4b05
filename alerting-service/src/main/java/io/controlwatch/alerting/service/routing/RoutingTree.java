package io.controlwatch.alerting.service.routing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Alertmanager's routing: which routes (and so receivers) a finding goes to. */
public final class RoutingTree {

    private RoutingTree() {
    }

    /**
     * The routes that send a finding with these labels, at most one per receiver (the first in document order), so
     * that one receiver is never paged twice for one change. Empty when nothing matches (an exempted finding that no
     * route asks for).
     */
    public static List<Route> routesFor(Route root, FindingLabels labels) {
        List<Route> matched = new ArrayList<>();
        if (labels.exempted() && !root.matcher().matches(labels)) {
            // the root takes only what is not exempted; an exempted finding may still match a child that asks for it
            descend(root, labels, matched);
        } else {
            match(root, labels, matched);
        }
        Map<String, Route> byReceiver = new LinkedHashMap<>();
        matched.forEach(r -> byReceiver.putIfAbsent(r.receiver(), r));
        return List.copyOf(byReceiver.values());
    }

    /** Matches {@code route} (known to match): its matching children, else itself. */
    private static void match(Route route, FindingLabels labels, List<Route> out) {
        if (!descend(route, labels, out)) {
            out.add(route);
        }
    }

    private static boolean descend(Route route, FindingLabels labels, List<Route> out) {
        boolean any = false;
        for (Route child : route.routes()) {
            if (child.matcher().matches(labels)) {
                match(child, labels, out);
                any = true;
                if (!child.continueMatching()) {
                    break;
                }
            }
        }
        return any;
    }
}
