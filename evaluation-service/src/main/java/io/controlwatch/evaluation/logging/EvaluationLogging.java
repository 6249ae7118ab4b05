package io.controlwatch.evaluation.logging;

import org.jboss.logging.BasicLogger;
import org.jboss.logging.Logger;
import org.jboss.logging.annotations.Cause;
import org.jboss.logging.annotations.LogMessage;
import org.jboss.logging.annotations.Message;
import org.jboss.logging.annotations.MessageLogger;

import java.time.Duration;
import java.time.Instant;

/** Operator-facing messages of the evaluation service: ids CW002000-CW002999, stable, listed in docs/operations.md. */
@MessageLogger(projectCode = "CW", length = 6)
public interface EvaluationLogging extends BasicLogger {

    EvaluationLogging LOG = Logger.getMessageLogger(EvaluationLogging.class, "io.controlwatch.evaluation");

    @LogMessage(level = Logger.Level.INFO)
    @Message(id = 2000, value = "Control pack %s version %s with %d controls loaded from %s")
    void packLoaded(String pack, String version, int controls, String source);

    @LogMessage(level = Logger.Level.INFO)
    @Message(id = 2001, value = "%d partitions of rule state; a source silent for %s stops holding deadlines back; event times more than %s ahead are dead-lettered")
    void topology(int rulePartitions, Duration sourceIdleAfter, Duration maxFutureSkew);

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

    @LogMessage(level = Logger.Level.INFO)
    @Message(id = 2007, value = "Running pack %s %s activated by %s at %s (it takes precedence over %s)")
    void registryRunsActivated(String pack, String version, String activatedBy, String activatedAt, String configured);

    @LogMessage(level = Logger.Level.ERROR)
    @Message(id = 2008, value = "The active pack %s no longer loads (%s); running %s instead")
    void registryActiveDoesNotLoad(String version, String reason, String configured);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 2009, value = "Cannot record the started pack %s in the registry yet: %s")
    void registryCannotRecord(String version, String failure);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 2010, value = "Cannot read %s at start-up (%s); starting with the configured pack")
    void registryCannotRead(String topic, String failure);

    @LogMessage(level = Logger.Level.ERROR)
    @Message(id = 2011, value = "Unreadable record %s in %s skipped: %s")
    void registryUnreadableRecord(String key, String topic, String reason);

    @LogMessage(level = Logger.Level.ERROR)
    @Message(id = 2012, value = "Ignoring active pack %s: it does not load here")
    void registryIgnoresActive(String version);

    @LogMessage(level = Logger.Level.INFO)
    @Message(id = 2013, value = "Pack %s version %s (%d controls) activated by %s, replacing %s")
    void packActivated(String pack, String version, int controls, String activatedBy, String previous);

    @LogMessage(level = Logger.Level.ERROR)
    @Message(id = 2014, value = "Record %s-%d@%d could not be processed and was sent to %s: %s")
    void processingFailed(String topic, int partition, long offset, String deadLetterTopic, String reason);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 2015, value = "Grace too short: %s")
    void graceTooShort(String warning);

    @LogMessage(level = Logger.Level.INFO)
    @Message(id = 2016, value = "Control %s retired key '%s' (retireAfter): still silent at %s after missing its deadline %s (last event %s); its failure stays open, its next event starts a new expectation")
    void absenceKeyRetired(String control, String key, Instant retiredAt, Instant deadline, Instant lastSeen);
}
