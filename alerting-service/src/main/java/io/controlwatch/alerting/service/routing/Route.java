package io.controlwatch.alerting.service.routing;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A node of the routing tree, with its parent's settings already inherited (Alertmanager semantics): a finding enters
 * at the root, descends into the first child that matches (and into later ones too while the matched child says
 * {@code continue}), and is sent by the deepest routes that matched.
 *
 * @param path           where the route is in the document, e.g. {@code route.routes[0]}: part of group keys
 * @param groupBy        labels whose values split findings into groups (one notification per group and wait);
 *                       {@code ...} alone means every finding on its own
 * @param escalation     receiver told once when a finding's SLA is breached; null for none
 */
public record Route(String path, Matcher matcher, String receiver, List<String> groupBy, Duration groupWait,
                    Duration groupInterval, Duration repeatInterval, boolean continueMatching, String escalation,
                    List<Route> routes) {

    /** Labels a route can group by. */
    public static final Set<String> GROUP_LABELS = Set.of("control", "subject", "severity", "owner", "criteria", "...");

    /**
     * What a route matches: each given matcher must hold (any of its values). {@code exempted} absent means
     * "not exempted": an exempted finding reaches only routes that ask for it explicitly.
     */
    public record Matcher(List<String> severity, List<Pattern> control, List<String> owner, List<String> criteria,
                          Boolean exempted) {

        public static final Matcher ANY = new Matcher(List.of(), List.of(), List.of(), List.of(), null);

        public boolean matches(FindingLabels labels) {
            if (!severity.isEmpty() && (labels.severity() == null
                    || !severity.contains(labels.severity().toLowerCase(Locale.ROOT)))) {
                return false;
            }
            if (!control.isEmpty() && control.stream().noneMatch(p -> p.matcher(labels.control()).matches())) {
                return false;
            }
            if (!owner.isEmpty() && (labels.owner() == null || !owner.contains(labels.owner()))) {
                return false;
            }
            if (!criteria.isEmpty() && labels.criteria().stream().noneMatch(criteria::contains)) {
                return false;
            }
            return (exempted != null && exempted) == labels.exempted();
        }
    }

    /** The group key of a finding on this route: its path and the values of its groupBy labels. */
    public String groupKey(FindingLabels labels, String findingId) {
        if (groupBy.contains("...")) {
            return path + "{finding=" + findingId + "}";
        }
        StringBuilder key = new StringBuilder(path).append('{');
        for (int i = 0; i < groupBy.size(); i++) {
            key.append(i == 0 ? "" : ",").append(groupBy.get(i)).append('=').append(labels.value(groupBy.get(i)));
        }
        return key.append('}').toString();
    }
}
