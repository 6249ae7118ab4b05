package io.controlwatch.ingest.logging;

import org.jboss.logging.BasicLogger;
import org.jboss.logging.Logger;
import org.jboss.logging.annotations.LogMessage;
import org.jboss.logging.annotations.Message;
import org.jboss.logging.annotations.MessageLogger;

/** Operator-facing messages of the ingest service: ids CW001000-CW001999, stable, listed in docs/operations.md. */
@MessageLogger(projectCode = "CW", length = 6)
public interface IngestLogging extends BasicLogger {

    IngestLogging LOG = Logger.getMessageLogger(IngestLogging.class, "io.controlwatch.ingest");

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 1000, value = "Kafka did not acknowledge %d events; answered 503: %s")
    void kafkaUnavailable(int events, String failure);

    @LogMessage(level = Logger.Level.INFO)
    @Message(id = 1001, value = "Source %s (%s) registered by %s")
    void sourceRegistered(String sourceId, String kind, String by);

    @LogMessage(level = Logger.Level.INFO)
    @Message(id = 1002, value = "Source %s: secret rotated by %s; the previous one is accepted until %s")
    void sourceSecretRotated(String sourceId, String previousValidUntil, String by);

    @LogMessage(level = Logger.Level.INFO)
    @Message(id = 1003, value = "Source %s deleted by %s; its deliveries are refused from now on")
    void sourceDeleted(String sourceId, String by);

    /** Never says which part failed, nor any header or secret: the id and kind suffice to find the vendor side. */
    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 1004, value = "Delivery to source %s (%s) refused: authentication failed")
    void deliveryNotAuthenticated(String sourceId, String kind);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 1005, value = "Delivery to source %s (%s) not mapped, answered 400 (raw payload %s kept): %s")
    void deliveryMalformed(String sourceId, String kind, String rawReference, String reason);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 1006, value = "Source %s: its secret cannot be unsealed with the configured cw.sources.secret-key; deliveries are refused")
    void sourceSecretUnreadable(String sourceId);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 1007, value = "No cw.sources.secret-key (CW_SOURCES_SECRET_KEY) configured: sources cannot be registered, rotated or delivered to")
    void sourcesWithoutSecretKey();

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 1008, value = "Ignoring unreadable record %s of the source registry: %s")
    void sourceRecordUnreadable(String key, String reason);

    @LogMessage(level = Logger.Level.ERROR)
    @Message(id = 1009, value = "Could not read the source registry %s at start-up (following it from its beginning): %s")
    void sourceRegistryUnreadable(String topic, String failure);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 1010, value = "A source registry change was not written (nothing changed; answered 503): %s")
    void sourceRegistryWriteFailed(String failure);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 1011, value = "Delivery to source %s: Kafka did not acknowledge its raw payload or %d events; answered 503 (the vendor retries): %s")
    void deliveryNotStored(String sourceId, int events, String failure);

    @LogMessage(level = Logger.Level.INFO)
    @Message(id = 1012, value = "Source %s disabled by %s; its deliveries are refused (403) until it is enabled")
    void sourceDisabled(String sourceId, String by);

    @LogMessage(level = Logger.Level.INFO)
    @Message(id = 1013, value = "Source %s enabled by %s")
    void sourceEnabled(String sourceId, String by);

    @LogMessage(level = Logger.Level.INFO)
    @Message(id = 1014, value = "Backfill of source %s %s by %s: %s")
    void sourceBackfill(String source, String startedOrEnded, String by, String reason);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 1015, value = "Delivery to disabled source %s (%s) refused (403)")
    void deliveryToDisabledSource(String sourceId, String kind);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 1016, value = "Adapter state %s was not written to Kafka (this instance keeps it in memory): %s")
    void adapterStateNotWritten(String key, String failure);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 1017, value = "Activity of %d accepted events not recorded (they are stored; GET /api/v1/sources and cw_source_delay_seconds miss them): %s")
    void sourceActivityNotRecorded(int events, String failure);
}
