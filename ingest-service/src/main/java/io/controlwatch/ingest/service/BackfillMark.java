package io.controlwatch.ingest.service;

import java.time.Instant;

/**
 * An admin's mark that a CloudEvents source is sending history (PUT /api/v1/sources/backfill), kept on the registry
 * topic under the key {@code backfill:<source>} so every instance stamps its events {@code cwbackfill}. Ending a
 * backfill keeps the record with {@code backfilling: false}: the registry still says who ended it when.
 *
 * @param revision grows by one with every change, as for {@link RegisteredSource}
 */
public record BackfillMark(String source, boolean backfilling, String reason, long revision, Instant updatedAt,
                           String updatedBy) {

    public static final String KEY_PREFIX = "backfill:";

    public String key() {
        return KEY_PREFIX + source;
    }
}
