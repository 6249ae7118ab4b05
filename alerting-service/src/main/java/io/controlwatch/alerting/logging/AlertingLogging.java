package io.controlwatch.alerting.logging;

import org.jboss.logging.BasicLogger;
import org.jboss.logging.Logger;
import org.jboss.logging.annotations.LogMessage;
import org.jboss.logging.annotations.Message;
import org.jboss.logging.annotations.MessageLogger;

/** Operator-facing messages of the alerting service: ids CW003000-CW003999, stable, listed in docs/operations.md. */
@MessageLogger(projectCode = "CW", length = 6)
public interface AlertingLogging extends BasicLogger {

    AlertingLogging LOG = Logger.getMessageLogger(AlertingLogging.class, "io.controlwatch.alerting");

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 3000, value = "Record %s-%d@%d sent to %s (%s): %s")
    void deadLettered(String topic, int partition, long offset, String deadLetterTopic, String reasonCode, String reason);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 3001, value = "Cannot %s yet, retrying: %s")
    void storeRetry(String what, String failure);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 3002, value = "A batch of %d executions was refused (%s); splitting it to find the records that cause it")
    void storeSplit(int size, String failure);

    @LogMessage(level = Logger.Level.INFO)
    @Message(id = 3100, value = "Finding %s of %s for %s: %s by %s")
    void findingChanged(String findingId, String control, String subject, String action, String actor);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 3101, value = "Finding %s of %s for %s breached its SLA (due %s)")
    void slaBreached(String findingId, String control, String subject, String due);

    @LogMessage(level = Logger.Level.INFO)
    @Message(id = 3102, value = "Exemption %s (%s, subjects %s): %s by %s")
    void exemptionChanged(String exemptionId, String control, String pattern, String action, String actor);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 3103, value = "Exemption %s (%s, subjects %s) expired at %s; matching failures page again")
    void exemptionExpired(String exemptionId, String control, String pattern, String at);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 3104, value = "Sweeping findings and exemptions failed, retrying at the next tick: %s")
    void sweepFailed(String error);

    @LogMessage(level = Logger.Level.INFO)
    @Message(id = 3200, value = "Evidence checkpoints and export manifests are signed with Ed25519 key %s (%d retired key(s) kept for verification)")
    void evidenceKey(String keyId, int retired);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 3201, value = "No evidence signing key is configured (CW_EVIDENCE_SIGNING_KEY, CW_EVIDENCE_PUBLIC_KEY): executions are chained but no checkpoint is signed, so a rewrite of PostgreSQL cannot be detected and exports are refused")
    void evidenceUnsigned();

    @LogMessage(level = Logger.Level.INFO)
    @Message(id = 3202, value = "Evidence checkpoint #%d signed by key %s: %d partition(s), %d chained executions")
    void checkpointSigned(long sequence, String keyId, int partitions, long rows);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 3205, value = "Publishing evidence checkpoint #%d to cw.evidence-checkpoints.v1 failed, retrying at the next tick: %s")
    void checkpointPublishFailed(long sequence, String error);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 3208, value = "Reading the evidence checkpoints to publish failed, retrying at the next tick: %s")
    void checkpointRelayFailed(String error);

    @LogMessage(level = Logger.Level.ERROR)
    @Message(id = 3209, value = "Not signing evidence checkpoints: PostgreSQL's latest is #%d but #%d is on cw.evidence-checkpoints.v1, so checkpoints (and perhaps the rows they covered) were removed from the database. GET /api/v1/evidence/verify lists them; signing resumes once they are back in evidence_checkpoint (docs/operations.md)")
    void checkpointRefused(long stored, long published);

    @LogMessage(level = Logger.Level.ERROR)
    @Message(id = 3206, value = "Evidence checkpoint #%s as stored in PostgreSQL is not a checkpoint the service signed (%s): not published; GET /api/v1/evidence/verify reports it")
    void checkpointUnpublishable(String sequence, String error);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 3207, value = "The checkpoint topic cw.evidence-checkpoints.v1 could not be read for a verification, which compares PostgreSQL alone: %s")
    void checkpointTopicUnreadable(String error);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 3216, value = "The checkpoint topic cw.evidence-checkpoints.v1 could not be read for its highest published checkpoint; signing goes on against what this instance published, and the topic is read again at the next tick: %s")
    void checkpointTopicHighUnreadable(String error);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 3203, value = "Signing an evidence checkpoint failed, retrying at the next tick: %s")
    void checkpointFailed(String error);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 3204, value = "Evidence verification from %s to %s by %s: %d discrepancies, the first: %s")
    void verificationFailed(String from, String to, String caller, long discrepancies, String first);

    @LogMessage(level = Logger.Level.INFO)
    @Message(id = 3210, value = "Export %s for %s of %s to %s is done: %d executions in the bundle")
    void exportDone(String exportId, String requestedBy, String from, String to, long executions);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 3211, value = "Export %s failed: %s")
    void exportFailed(String exportId, String reason);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 3212, value = "Export %s was marked failed: the instance running it stopped before it finished")
    void exportAbandoned(String exportId);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 3213, value = "Sweeping unfinished exports failed, retrying at the next tick: %s")
    void exportSweepFailed(String error);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 3220, value = "Writing %d access log entries failed, %d waiting; retrying at the next tick: %s")
    void accessLogWriteFailed(int batch, int waiting, String error);

    @LogMessage(level = Logger.Level.ERROR)
    @Message(id = 3221, value = "The access log queue was full (%d entries): %d access(es) were not recorded")
    void accessLogDropped(int capacity, long dropped);

    @LogMessage(level = Logger.Level.ERROR)
    @Message(id = 3223, value = "An access (%s %s by %s at %s) was refused by PostgreSQL (SQLSTATE %s) and is not recorded in the access log")
    void accessLogRefused(String method, String path, String principal, String at, String sqlState);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 3222, value = "%d access log entries were still waiting when the service stopped and were not written: %s")
    void accessLogLostAtStop(int waiting, String error);

    @LogMessage(level = Logger.Level.INFO)
    @Message(id = 3214, value = "Export %s expired: its bundle, kept %s after it was done, is deleted")
    void exportExpired(String exportId, String retention);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 3215, value = "Cleaning up expired export bundles failed, retrying at the next tick: %s")
    void exportCleanupFailed(String error);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 3230, value = "Pack registry record %s@%d (key %s) is not a pack version with its YAML, not archived: %s")
    void packVersionUnreadable(int partition, long offset, String key, String reason);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 3231, value = "Archived pack version %s does not parse as a control pack and is skipped when looking up frequencies and manual criteria: %s")
    void archivedPackUnreadable(String packVersion, String reason);
}
