package io.controlwatch.alerting.service.notify;

import java.time.Duration;

/**
 * A notification to write to the outbox for one finding: to which receiver, of which event, in which group.
 *
 * @param grouped        whether findings of the same group key may share one notification (new findings only)
 * @param groupWait      how long a new group waits for more findings before it is sent
 * @param groupInterval  how long after a group's last notification the next one may go
 * @param repeatInterval how often to remind this receiver while the finding stays open; null for no reminders
 */
public record NotificationIntent(String receiver, String receiverKind, String eventType, String groupKey,
                                 String findingId, boolean grouped, Duration groupWait, Duration groupInterval,
                                 Duration repeatInterval) {
}
