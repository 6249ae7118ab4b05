package io.controlwatch.ingest.service;

/** Which CloudEvents sources an admin marked as backfilling (PUT /api/v1/sources/backfill); the registry knows. */
@FunctionalInterface
public interface BackfillMarks {

    BackfillMarks NONE = source -> false;

    boolean backfilling(String source);
}
