package io.controlwatch.common.logging;

import org.jboss.logging.BasicLogger;
import org.jboss.logging.Logger;
import org.jboss.logging.annotations.Cause;
import org.jboss.logging.annotations.LogMessage;
import org.jboss.logging.annotations.Message;
import org.jboss.logging.annotations.MessageLogger;

/**
 * Operator-facing log messages shared by every HTTP service. Each message has a stable id ({@code CW0000nn}) that
 * operators grep for and docs/operations.md lists; ids are never reused. Id ranges: common 1-999, ingest
 * 1000-1999, evaluation 2000-2999, alerting 3000-3999, source adapters 5000-5999, notifications 6000-6999,
 * evidence integrity 7000-7999.
 */
@MessageLogger(projectCode = "CW", length = 6)
public interface CommonLogging extends BasicLogger {

    CommonLogging LOG = Logger.getMessageLogger(CommonLogging.class, "io.controlwatch.common");

    @LogMessage(level = Logger.Level.ERROR)
    @Message(id = 1, value = "Unexpected error answered 500, incident %s")
    void unexpectedError(String incident, @Cause Throwable cause);
}
