package io.controlwatch.evaluation.logging;

import org.jboss.logging.BasicLogger;
import org.jboss.logging.Logger;
import org.jboss.logging.annotations.Cause;
import org.jboss.logging.annotations.LogMessage;
import org.jboss.logging.annotations.Message;
import org.jboss.logging.annotations.MessageLogger;

import java.time.Duration;

/** Operator-facing messages of the evaluation service: ids CW002000-CW002999, stable, listed in docs/operations.md. */
@MessageLogger(projectCode = "CW", length = 6)
public interface EvaluationLogging extends BasicLogger {

    EvaluationLogging LOG = Logger.getMessageLogger(EvaluationLogging.class, "io.controlwatch.evaluation");

    @LogMessage(level = Logger.Level.INFO)
    @Message(id = 2000, value = "Control pack %s version %s with %d controls loaded from %s")
    void packLoaded(String pack, String version, int controls, String source);

    @LogMessage(level = Logger.Level.INFO)
    @Message(id = 2001, value = "%d partitions of rule state; wall-clock time decides deadlines after %s without events")
    void topology(int rulePartitions, Duration idleAfter);

    @LogMessage(level = Logger.Level.INFO)
    @Message(id = 2002, value = "Published %d controls of pack %s %s to the catalog")
    void catalogPublished(int controls, String pack, String version);

    @LogMessage(level = Logger.Level.ERROR)
    @Message(id = 2003, value = "Cannot publish the control catalog: %s")
    void catalogFailed(String failure);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 2004, value = "Record %s sent to %s (%s): %s")
    void eventDeadLettered(String record, String deadLetterTopic, String reasonCode, String reason);

    @LogMessage(level = Logger.Level.ERROR)
    @Message(id = 2005, value = "Control %s could not process event %s")
    void ruleError(String control, String event, @Cause Throwable cause);

    @LogMessage(level = Logger.Level.ERROR)
    @Message(id = 2006, value = "Due deadlines could not be processed")
    void deadlineError(@Cause Throwable cause);
}
