package io.controlwatch.evidence.oscal;

import io.controlwatch.evidence.Sha256;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What the OSCAL document is built from: the operating-effectiveness report of one period.
 *
 * @param organization      the audited organization's name, or null
 * @param toolVersion       ControlWatch's version, named as the tool that tested
 * @param criteriaInScope   every TSC criterion the assessment covers: tested, manual or not covered by any control
 * @param populationFile    where the population lies, relative to the OSCAL file ({@code ../executions.csv})
 * @param populationSha256  SHA-256 of that file, when already known, or null
 */
public record OperatingEffectiveness(Instant periodFrom, Instant periodTo, Instant generatedAt, String organization,
                                     String toolVersion, List<String> criteriaInScope, List<ControlResult> controls,
                                     List<ManualCriteria> manual, String populationFile, Sha256 populationSha256) {

    public OperatingEffectiveness {
        Objects.requireNonNull(periodFrom, "periodFrom");
        Objects.requireNonNull(periodTo, "periodTo");
        Objects.requireNonNull(generatedAt, "generatedAt");
        Objects.requireNonNull(toolVersion, "toolVersion");
        criteriaInScope = List.copyOf(criteriaInScope);
        controls = List.copyOf(controls);
        manual = List.copyOf(manual);
        Objects.requireNonNull(populationFile, "populationFile");
    }
}
