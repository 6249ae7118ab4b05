package io.controlwatch.alerting.logging;

import org.jboss.logging.BasicLogger;
import org.jboss.logging.Logger;
import org.jboss.logging.annotations.LogMessage;
import org.jboss.logging.annotations.Message;
import org.jboss.logging.annotations.MessageLogger;

/** Operator-facing messages of notifications: ids CW006000-CW006999, stable, listed in docs/operations.md. */
@MessageLogger(projectCode = "CW", length = 6)
public interface NotifyLogging extends BasicLogger {

    NotifyLogging LOG = Logger.getMessageLogger(NotifyLogging.class, "io.controlwatch.alerting.notify");

    @LogMessage(level = Logger.Level.INFO)
    @Message(id = 6000, value = "Notification config version %d in force (%s): %d receivers, %s")
    void configActive(long version, String origin, int receivers, String sha256);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 6001, value = "The notification config file %s differs from version %d, which an admin set through the API and which stays in force")
    void configFileIgnored(String file, long version);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 6002, value = "Notification %s to %s (%s) failed, attempt %d, next at %s: %s")
    void deliveryFailed(String notificationId, String receiver, String eventType, int attempt, String next, String error);

    @LogMessage(level = Logger.Level.ERROR)
    @Message(id = 6003, value = "Notification %s to %s (%s) given up after %d attempts since %s: DEAD (%s); POST /api/v1/notifications/%s/retry sends it again")
    void dead(String notificationId, String receiver, String eventType, int attempts, String since, String error, String sameId);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 6004, value = "Notification %s names receiver %s, which the config in force (version %d) does not have; it waits for a config that does")
    void unknownReceiver(String notificationId, String receiver, long version);

    @LogMessage(level = Logger.Level.WARN)
    @Message(id = 6005, value = "Dispatching notifications failed, retrying at the next tick: %s")
    void dispatchFailed(String error);

    @LogMessage(level = Logger.Level.INFO)
    @Message(id = 6006, value = "Notification %s was set to be sent again by %s")
    void retried(String notificationId, String actor);
}
