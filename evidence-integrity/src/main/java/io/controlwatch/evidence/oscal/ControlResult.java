package io.controlwatch.evidence.oscal;

import java.util.List;
import java.util.Objects;

/**
 * One control over the period, as the operating-effectiveness report counts it.
 *
 * @param versions          the control versions in force during the period
 * @param population        executions in the period (by event time)
 * @param errors            events that could not be tested
 * @param exceptionRate     failures / (passes + failures), 0 when nothing was tested
 * @param findingsOpenAtEnd exceptions still open at the period's end
 */
public record ControlResult(String controlId, String title, List<String> criteria, String frequency,
                            List<String> versions, long population, long passes, long failures, long errors,
                            double exceptionRate, long findingsOpened, long findingsResolved, long findingsOpenAtEnd) {

    public ControlResult {
        Objects.requireNonNull(controlId, "controlId");
        Objects.requireNonNull(title, "title");
        criteria = List.copyOf(criteria);
        versions = List.copyOf(versions == null ? List.of() : versions);
        if (population < 0 || passes < 0 || failures < 0 || errors < 0 || passes + failures + errors > population) {
            throw new IllegalArgumentException(controlId + ": counts do not add up");
        }
    }
}
