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
}
