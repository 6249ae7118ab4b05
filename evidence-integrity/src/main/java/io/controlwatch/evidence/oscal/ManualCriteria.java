package io.controlwatch.evidence.oscal;

import java.util.List;

/** Criteria a control pack marks {@code manual}, and why they cannot be tested from events. */
public record ManualCriteria(List<String> criteria, String reason) {

    public ManualCriteria {
        criteria = List.copyOf(criteria);
    }
}
