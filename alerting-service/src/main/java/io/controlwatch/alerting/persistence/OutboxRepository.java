package io.controlwatch.alerting.persistence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.controlwatch.alerting.service.notify.NotificationIntent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.controlwatch.alerting.persistence.ColumnArrays.column;
import static io.controlwatch.alerting.persistence.ColumnArrays.time;

/**
 * The notification outbox. Rows are written in the transaction of the change that causes them ({@link #enqueue});
 * dispatchers claim due rows with {@code FOR UPDATE SKIP LOCKED} and a lease ({@link #claim}), deliver them outside
 * any transaction and record each attempt ({@link #complete}). A dispatcher that dies mid-delivery leaves its rows
 * leased; when the lease ends any dispatcher takes them again (at least once, same notification id).
 */
@ApplicationScoped
public class OutboxRepository {

    /** A row of table {@code notification}, as written. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record NotificationRow(String notificationId, String receiver, String receiverKind, String eventType,
                                  String groupKey, String status, Instant createdAt, Instant nextAttemptAt,
                                  int attempts, Instant deadAfter, String exemptionId, long configVersion,
                                  JsonNode payload, JsonNode data, Instant updatedAt) {
    }

    /** A claimed notification with the current state of its findings (to build what is sent at the first attempt). */
    public record Claimed(NotificationRow notification, int attempt, Instant deadAfter, List<JsonNode> findings) {
    }

    /** The outcome of one delivery attempt and what follows from it. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record AttemptResult(String notificationId, int attempt, Instant at, Integer statusCode, long latencyMs,
                                String outcome, String error, String nextStatus, Instant nextAttemptAt) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Link(String notificationId, String findingId) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Told(String findingId, String receiver, String groupKey, Instant lastNotifiedAt, Instant nextReminderAt) {
    }

    private static final ColumnArrays<NotificationIntent> GROUP_KEYS = new ColumnArrays<>(List.of(
            column("receiver", "text", NotificationIntent::receiver),
            column("group_key", "text", NotificationIntent::groupKey),
            column("event_type", "text", NotificationIntent::eventType)));

    private static final String GROUPS = """
            with wanted as (
                select distinct receiver, group_key, event_type from %s
            ),
            -- each group's waiting notification probed by its key in notification_pending_group: as a join, a
            -- planner without statistics (autovacuum off or behind) read the whole partial index, which keeps the
            -- entries of every notification sent until a vacuum (9,149 entries for none waiting: 17.8 ms per call)
            pending as (
                select p.notification_id, w.receiver, w.group_key, w.event_type from wanted w
                cross join lateral (
                    select n.notification_id from notification n
                    where n.receiver = w.receiver and n.group_key = w.group_key and n.event_type = w.event_type
                      and n.status = 'PENDING' and n.attempts = 0
                    for update) p
            ),
            -- each group's newest notification is the first entry of its range in notification_group_latest: as
            -- max() over a join, PostgreSQL read and sorted every notification the group ever had, a cost that grew
            -- with the system's history (a group of 20,000: 6.7-12.7 ms per call, now 0.4-0.9 ms)
            latest as (
                select w.receiver, w.group_key, w.event_type, l.created_at from wanted w
                cross join lateral (
                    select n.created_at from notification n
                    where n.receiver = w.receiver and n.group_key = w.group_key and n.event_type = w.event_type
                    order by n.created_at desc limit 1) l
            )
            select jsonb_build_object(
                'pending', coalesce((select jsonb_agg(to_jsonb(p)) from pending p), '[]'),
                'latest', coalesce((select jsonb_agg(to_jsonb(l)) from latest l), '[]')
            )::text
            """.formatted(GROUP_KEYS.unnest(1, "w"));

    // Notifications, their findings and receivers, payloads and attempts reach PostgreSQL as one array per column
    // (ColumnArrays), as executions and findings do.
    private static final ColumnArrays<NotificationRow> NOTIFICATIONS = new ColumnArrays<>(List.of(
            column("notification_id", "uuid", NotificationRow::notificationId),
            column("receiver", "text", NotificationRow::receiver),
            column("receiver_kind", "text", NotificationRow::receiverKind),
            column("event_type", "text", NotificationRow::eventType),
            column("group_key", "text", NotificationRow::groupKey),
            column("status", "text", NotificationRow::status),
            column("created_at", "timestamptz", n -> time(n.createdAt())),
            column("next_attempt_at", "timestamptz", n -> time(n.nextAttemptAt())),
            column("attempts", "integer", n -> String.valueOf(n.attempts())),
            column("dead_after", "timestamptz", n -> time(n.deadAfter())),
            column("exemption_id", "uuid", NotificationRow::exemptionId),
            column("config_version", "bigint", n -> String.valueOf(n.configVersion())),
            column("payload", "jsonb", n -> json(n.payload())),
            column("data", "jsonb", n -> json(n.data())),
            column("updated_at", "timestamptz", n -> time(n.updatedAt()))));

    private static final ColumnArrays<Link> LINKS = new ColumnArrays<>(List.of(
            column("notification_id", "uuid", Link::notificationId),
            column("finding_id", "uuid", Link::findingId)));

    private static final ColumnArrays<Told> TOLD_ROWS = new ColumnArrays<>(List.of(
            column("finding_id", "uuid", Told::findingId),
            column("receiver", "text", Told::receiver),
            column("group_key", "text", Told::groupKey),
            column("last_notified_at", "timestamptz", t -> time(t.lastNotifiedAt())),
            column("next_reminder_at", "timestamptz", t -> time(t.nextReminderAt()))));

    /** A claimed notification and what it sends (null: already frozen, or nothing to build it for). */
    public record Sending(String notificationId, JsonNode payload) {
    }

    private static final ColumnArrays<Sending> SENDING = new ColumnArrays<>(List.of(
            column("notification_id", "uuid", Sending::notificationId),
            column("payload", "jsonb", s -> json(s.payload()))));

    private static final ColumnArrays<AttemptResult> ATTEMPTS = new ColumnArrays<>(List.of(
            column("notification_id", "uuid", AttemptResult::notificationId),
            column("attempt", "integer", a -> String.valueOf(a.attempt())),
            column("at", "timestamptz", a -> time(a.at())),
            column("status_code", "integer", a -> a.statusCode() == null ? null : String.valueOf(a.statusCode())),
            column("latency_ms", "bigint", a -> String.valueOf(a.latencyMs())),
            column("outcome", "text", AttemptResult::outcome),
            column("error", "text", AttemptResult::error),
            column("next_status", "text", AttemptResult::nextStatus),
            column("next_attempt_at", "timestamptz", a -> time(a.nextAttemptAt()))));

    private static final String INSERT = NOTIFICATIONS.insertInto("notification");

    private static final String LINK = LINKS.insertInto("notification_finding") + "on conflict do nothing";

    private static final String TOLD = TOLD_ROWS.insertInto("finding_receiver") + """
            on conflict (finding_id, receiver) do update set
                group_key = excluded.group_key, last_notified_at = excluded.last_notified_at,
                next_reminder_at = excluded.next_reminder_at
            """;

    // Due rows are locked (FOR UPDATE SKIP LOCKED) and read here, and marked SENDING by MARK_SENDING in the same
    // transaction, with what is sent at their first attempt: one new version of each row and its index entries per
    // claim, where a claiming update and a second one for the payload wrote two (BENCHMARKS.md, "The seventh round").
    private static final String CLAIM = """
            with due as (
                select * from notification
                where (status = 'PENDING' and next_attempt_at <= cast(cast(?1 as text) as timestamptz))
                   or (status = 'SENDING' and lease_until <= cast(cast(?1 as text) as timestamptz))
                order by next_attempt_at
                limit cast(cast(?2 as text) as integer)
                for update skip locked
            )
            select coalesce(jsonb_agg(jsonb_build_object(
                'notification', to_jsonb(c),
                -- each finding by its key ("= any(array(...))"): as a join, a planner without statistics of
                -- notification_finding (autovacuum off or behind) took hundreds of findings per notification and
                -- read all of finding for each claimed notification, 1 s per batch at 20,000 findings
                'findings', coalesce((select jsonb_agg(to_jsonb(f) order by f.opened_at, f.finding_id)
                                      from finding f
                                      where f.finding_id = any(array(select nf.finding_id from notification_finding nf
                                                                     where nf.notification_id = c.notification_id))),
                                     '[]'))), '[]')::text
            from due c
            """;

    // A payload is frozen at the first attempt and never overwritten: a retry sends the same content under the same
    // key. Only rows this transaction locked in CLAIM are named.
    private static final String MARK_SENDING = """
            update notification n set status = 'SENDING', attempts = n.attempts + 1,
                lease_until = cast(cast(?3 as text) as timestamptz) + cast(cast(?4 as text) as interval),
                updated_at = cast(cast(?3 as text) as timestamptz),
                payload = coalesce(n.payload, r.payload)
            from %s
            where n.notification_id = r.notification_id
            """.formatted(SENDING.unnest(1, "r"));

    // A completion whose attempt is not the row's latest belongs to a dispatcher whose lease ran out and whose work
    // another dispatcher took over: its attempt is kept, the row left to the newer attempt.
    private static final String COMPLETE = """
            with r as (
                select * from %s
            ),
            kept as (
                insert into notification_attempt (notification_id, attempt, at, status_code, latency_ms, outcome, error)
                select notification_id, attempt, at, status_code, latency_ms, outcome, error from r
                on conflict do nothing
            )
            update notification n set status = r.next_status,
                next_attempt_at = coalesce(r.next_attempt_at, n.next_attempt_at), lease_until = null,
                delivered_at = case when r.next_status = 'DELIVERED' then r.at else n.delivered_at end,
                last_error = r.error, updated_at = r.at
            from r where n.notification_id = r.notification_id and n.status = 'SENDING' and n.attempts = r.attempt
            """.formatted(ATTEMPTS.unnest(1, "r"));

    /**
     * Writes notifications for the intents: a new finding joins the notification of its group that is still waiting
     * (never sent), else starts one that waits {@code groupWait} (or until {@code groupInterval} after the group's
     * last notification); every other change is a notification of its own, due at once. Records which receivers were
     * told of each finding and when to remind them.
     */
    public Uni<Void> enqueue(List<NotificationIntent> intents, Instant now, long configVersion, Duration deadAge) {
        if (intents.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<NotificationIntent> grouped = intents.stream().filter(NotificationIntent::grouped).toList();
        Uni<JsonNode> groups = grouped.isEmpty() ? Uni.createFrom().item(NativeSql.json().createObjectNode())
                : NativeSql.query(GROUPS, GROUP_KEYS.parameters(grouped));
        return groups.chain(existing -> {
            Map<String, String> pending = new HashMap<>();
            existing.path("pending").forEach(p -> pending.put(groupId(p.path("receiver").asText(),
                    p.path("group_key").asText(), p.path("event_type").asText()), p.path("notification_id").asText()));
            Map<String, Instant> latest = new HashMap<>();
            existing.path("latest").forEach(l -> latest.put(groupId(l.path("receiver").asText(),
                    l.path("group_key").asText(), l.path("event_type").asText()),
                    NativeSql.read(l.path("created_at"), Instant.class)));
            List<NotificationRow> rows = new ArrayList<>();
            List<Link> links = new ArrayList<>();
            Map<String, Told> told = new LinkedHashMap<>();
            for (NotificationIntent intent : intents) {
                String group = groupId(intent.receiver(), intent.groupKey(), intent.eventType());
                String id = intent.grouped() ? pending.get(group) : null;
                if (id == null) {
                    id = UUID.randomUUID().toString();
                    Instant due = now.plus(intent.groupWait());
                    Instant last = latest.get(group);
                    if (intent.grouped() && last != null && last.plus(intent.groupInterval()).isAfter(now)) {
                        due = last.plus(intent.groupInterval());
                    }
                    rows.add(new NotificationRow(id, intent.receiver(), intent.receiverKind(), intent.eventType(),
                            intent.groupKey(), "PENDING", now, due, 0, now.plus(deadAge), null, configVersion, null,
                            null, now));
                    if (intent.grouped()) {
                        pending.put(group, id);
                    }
                }
                links.add(new Link(id, intent.findingId()));
                told.put(intent.findingId() + "\n" + intent.receiver(), new Told(intent.findingId(), intent.receiver(),
                        intent.groupKey(), now, intent.repeatInterval() == null ? null : now.plus(intent.repeatInterval())));
            }
            return NOTIFICATIONS.update(INSERT, rows)
                    .chain(() -> LINKS.update(LINK, links))
                    .chain(() -> TOLD_ROWS.update(TOLD, List.copyOf(told.values())));
        }).replaceWithVoid();
    }

    /** Writes one notification that concerns no finding (an audit event, an expired exemption), due at once. */
    public Uni<String> enqueueOther(String receiver, String kind, String eventType, String groupKey, JsonNode data,
                                    String exemptionId, Instant now, long configVersion, Duration deadAge) {
        String id = UUID.randomUUID().toString();
        NotificationRow row = new NotificationRow(id, receiver, kind, eventType, groupKey, "PENDING", now, now, 0,
                now.plus(deadAge), exemptionId, configVersion, null, data, now);
        return NOTIFICATIONS.update(INSERT, List.of(row)).replaceWith(id);
    }

    /**
     * Locks and reads up to {@code limit} due notifications, in a transaction that then marks them SENDING with
     * {@link #markSending}; they are this dispatcher's until the lease ends.
     */
    public Uni<List<Claimed>> claim(Instant now, int limit) {
        return NativeSql.query(CLAIM, now.toString(), String.valueOf(limit)).map(json -> {
            List<Claimed> claimed = new ArrayList<>();
            for (JsonNode c : json) {
                JsonNode n = c.path("notification");
                NotificationRow row = NativeSql.read(n, NotificationRow.class);
                List<JsonNode> findings = new ArrayList<>();
                c.path("findings").forEach(findings::add);
                claimed.add(new Claimed(row, row.attempts() + 1, row.deadAfter(), findings));
            }
            return claimed;
        });
    }

    /**
     * Marks claimed notifications SENDING for {@code lease}, one attempt more, and freezes what each sends at its
     * first attempt (a payload already frozen is kept).
     */
    public Uni<Integer> markSending(List<Sending> claimed, Instant now, Duration lease) {
        if (claimed.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        return NativeSql.update(MARK_SENDING,
                SENDING.parameters(claimed, now.toString(), lease.toMillis() + " milliseconds"));
    }

    public Uni<Integer> complete(List<AttemptResult> results) {
        return ATTEMPTS.update(COMPLETE, results);
    }

    private static String json(JsonNode value) {
        return value == null || value.isNull() ? null : value.toString();
    }

    private static String groupId(String receiver, String groupKey, String eventType) {
        return receiver + "\n" + groupKey + "\n" + eventType;
    }
}
