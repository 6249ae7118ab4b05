package io.controlwatch.evidence.bundle;

import io.controlwatch.evidence.verify.Discrepancy;

import java.time.Instant;
import java.util.List;

/**
 * What the verifier found. {@code verified} is true only when nothing at all was found.
 *
 * @param discrepancies     the first discrepancies found, in order (at most {@code DiscrepancyLog.DEFAULT_LIMIT})
 * @param discrepancyCount  how many were found in total
 * @param manifest          the manifest as read, or null when it could not be read
 * @param trustedKeys       fingerprints of the keys the verification trusted
 * @param notes             facts worth knowing that are not discrepancies (coverage of the checkpoints)
 */
public record BundleReport(boolean verified, List<Discrepancy> discrepancies, long discrepancyCount,
                           Manifest manifest, List<String> trustedKeys, Summary summary, List<String> notes) {

    /** What was checked. */
    public record Summary(int filesChecked, long checkpoints, Long firstCheckpoint, Long lastCheckpoint,
                          Instant lastCheckpointAt, int partitions, long rows, long links) {
    }
}
