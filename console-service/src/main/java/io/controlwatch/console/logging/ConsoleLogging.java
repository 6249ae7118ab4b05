package io.controlwatch.console.logging;

import org.jboss.logging.BasicLogger;
import org.jboss.logging.Logger;
import org.jboss.logging.annotations.LogMessage;
import org.jboss.logging.annotations.Message;
import org.jboss.logging.annotations.MessageLogger;

/** Operator-facing messages of the console: ids CW005000-CW005999, stable, listed in docs/operations.md. */
@MessageLogger(projectCode = "CW", length = 6)
public interface ConsoleLogging extends BasicLogger {

    ConsoleLogging LOG = Logger.getMessageLogger(ConsoleLogging.class, "io.controlwatch.console");

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 5000, value = "The %s API answered %d to %s for %s")
    void apiRefused(String service, int status, String what, String user);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 5001, value = "The %s API is unreachable (%s): %s")
    void apiUnreachable(String service, String what, String failure);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 5002, value = "The control pack %s cannot be read; pages show what the API knows only: %s")
    void packUnreadable(String file, String failure);

    @LogMessage(level = Logger.Level.INFO)
    @Message(id = 5100, value = "Finding %s: %s by %s through the console")
    void findingAction(String findingId, String action, String user);
}
