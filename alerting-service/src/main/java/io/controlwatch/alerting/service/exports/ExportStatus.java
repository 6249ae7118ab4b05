package io.controlwatch.alerting.service.exports;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * An export as {@code GET /api/v1/exports/{id}} shows it.
 *
 * @param state        {@code QUEUED}, {@code WAITING} (for the checkpoint that closes its period), {@code RUNNING},
 *                     {@code DONE}, {@code FAILED}, or {@code EXPIRED} (done, its bundle deleted after the retention)
 * @param rowsTotal    executions of the period in the exported chain range, once known
 * @param rowsWritten  of those, written so far to {@code executions.jsonl}
 * @param percent      0-100: the population written; 100 only when the bundle is complete and signed
 * @param scope        the controls the requested controls and criteria resolved to; empty: all controls
 * @param bundle       where to download the ZIP, once DONE
 * @param error        why it failed, once FAILED
 * @param expiredAt    when its bundle was deleted (CW_EXPORTS_RETENTION after it was done), once EXPIRED
 */
public record ExportStatus(UUID exportId, String state, Instant from, Instant to, List<String> controls,
                           List<String> criteria, List<String> scope, String requestedBy, Instant requestedAt,
                           Instant startedAt, Instant finishedAt, Long rowsTotal, long rowsWritten, int percent,
                           String bundle, Long bundleBytes, String bundleSha256, String error,
                           Instant expiredAt) {
}
