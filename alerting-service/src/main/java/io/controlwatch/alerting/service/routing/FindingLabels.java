package io.controlwatch.alerting.service.routing;

import java.util.List;
import java.util.Locale;

/**
 * What routes match on and group by: a finding's control, subject, severity, owner, criteria and whether an
 * exemption covers it.
 */
public record FindingLabels(String control, String subject, String severity, String owner, List<String> criteria,
                            boolean exempted) {

    public FindingLabels {
        criteria = criteria == null ? List.of() : List.copyOf(criteria);
    }

    /** The value of a {@code groupBy} label, as it appears in group keys. */
    String value(String label) {
        return switch (label) {
            case "control" -> control;
            case "subject" -> subject == null ? "" : subject;
            case "severity" -> severity == null ? "" : severity.toLowerCase(Locale.ROOT);
            case "owner" -> owner == null ? "" : owner;
            case "criteria" -> String.join(",", criteria);
            default -> throw new IllegalArgumentException("unknown label " + label);
        };
    }
}
