package io.controlwatch.alerting.service.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.alerting.config.NotifyConfig;
import io.controlwatch.alerting.logging.AlertingLogging;
import io.controlwatch.alerting.persistence.FindingRepository;
import io.controlwatch.alerting.persistence.NativeSql;
import io.controlwatch.alerting.persistence.OutboxRepository;
import io.controlwatch.alerting.service.EvidenceMeters;
import io.controlwatch.alerting.service.exemptions.Exemption;
import io.controlwatch.alerting.service.findings.Finding;
import io.controlwatch.alerting.service.findings.FindingEvent;
import io.controlwatch.alerting.service.findings.HistoryEntry;
import io.controlwatch.alerting.service.routing.FindingLabels;
import io.controlwatch.alerting.service.routing.Receiver;
import io.controlwatch.alerting.service.routing.Route;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What time alone changes, each in one transaction with the notifications it causes: exemptions that expire (and
 * say so), findings whose SLA passes (escalated to the routes' escalation receivers), reminders to the receivers of
 * findings still open after their route's {@code repeatInterval}. Any number of instances may sweep at once (rows
 * are taken with {@code SKIP LOCKED}).
 */
@ApplicationScoped
public class Sweeper {

    static final int LIMIT = 500;

    private static final String EXPIRE = """
            with due as (
                select exemption_id from exemption
                where status = 'ACTIVE' and expires_at <= cast(cast(?1 as text) as timestamptz)
                limit 500 for update skip locked
            ),
            expired as (
                update exemption e set status = 'EXPIRED', ended_by = 'expiry', ended_at = cast(cast(?1 as text) as timestamptz),
                    updated_at = cast(cast(?1 as text) as timestamptz)
                from due where e.exemption_id = due.exemption_id
                returning e.*
            ),
            history as (
                insert into exemption_history (exemption_id, at, actor, action, from_status, to_status, comment)
                select exemption_id, cast(cast(?1 as text) as timestamptz), 'expiry', 'expired', 'ACTIVE', 'EXPIRED',
                       'expired at ' || expires_at from expired
            )
            select jsonb_build_object(
                'expired', coalesce((select jsonb_agg(to_jsonb(x)) from expired x), '[]'),
                'controls', coalesce((select jsonb_object_agg(c.control_id, jsonb_build_object('severity', c.severity,
                    'owner', c.owner, 'criteria', c.criteria, 'title', c.title)) from control c
                    where c.control_id in (select control_id from expired)), '{}'))::text
            """;

    private static final String BREACHED = """
            select coalesce(jsonb_agg(to_jsonb(f)), '[]')::text from (
                select * from finding
                where status in ('OPEN', 'ACKNOWLEDGED') and not sla_breached and sla_due_at <= cast(cast(?1 as text) as timestamptz)
                limit 500 for update skip locked
            ) f
            """;

    private static final String REMINDERS = """
            select coalesce(jsonb_agg(jsonb_build_object('receiver', r.receiver, 'finding', to_jsonb(f))), '[]')::text
            from (
                select * from finding_receiver
                where next_reminder_at <= cast(cast(?1 as text) as timestamptz)
                limit 500 for update skip locked
            ) r join finding f on f.finding_id = r.finding_id
            """;

    private static final String CLEAR_REMINDERS = """
            update finding_receiver r set next_reminder_at = null
            from jsonb_to_recordset(cast(cast(?1 as text) as jsonb)) as x(finding_id uuid, receiver text)
            where r.finding_id = x.finding_id and r.receiver = x.receiver
            """;

    // The unresolved statuses by name rather than "<> 'RESOLVED'": the count then reads the open findings through
    // finding_status_opened instead of the whole table, which grows for as long as the system runs. They are read
    // once for both counts (a materialized CTE): read twice, every open finding's page was visited twice every sweep
    // (7,526 open findings: 14,296 buffers and 38-44 ms, now 7,169 and 29-30 ms; BENCHMARKS.md, "The eighth round").
    private static final String GAUGES = """
            with open as materialized (
                select severity, criteria from finding where status in ('OPEN', 'ACKNOWLEDGED', 'EXEMPTED')
            )
            select jsonb_build_object(
                'open', coalesce((select jsonb_object_agg(severity, n) from (
                                  select severity, count(*) as n from open group by severity) s), '{}'),
                'openByCriterion', coalesce((select jsonb_object_agg(criterion || '|' || severity, n) from (
                                  select c as criterion, severity, count(*) as n from open, unnest(criteria) c
                                  group by c, severity) s), '{}'),
                'dead', (select count(*) from notification where status = 'DEAD'),
                'pending', (select count(*) from notification where status in ('PENDING', 'SENDING')))::text
            """;

    private final FindingRepository findings;
    private final OutboxRepository outbox;
    private final NotificationConfigs configs;
    private final NotificationMetrics metrics;
    private final NotifyConfig settings;
    private final Clock clock;
    private final EvidenceMeters evidenceMeters;

    public Sweeper(FindingRepository findings, OutboxRepository outbox, NotificationConfigs configs,
                   NotificationMetrics metrics, NotifyConfig settings, Clock clock, EvidenceMeters evidenceMeters) {
        this.evidenceMeters = evidenceMeters;
        this.findings = findings;
        this.outbox = outbox;
        this.configs = configs;
        this.metrics = metrics;
        this.settings = settings;
        this.clock = clock;
    }

    public Uni<Void> sweep() {
        if (!configs.loaded()) {
            return Uni.createFrom().voidItem(); // reminders and escalations need the receivers of the loaded config
        }
        return Panache.withTransaction(this::expireExemptions)
                .chain(() -> Panache.withTransaction(this::breachSlas))
                .chain(() -> Panache.withTransaction(this::remind))
                .chain(() -> Panache.withSession(this::gauges));
    }

    Uni<Void> expireExemptions() {
        Instant now = clock.instant();
        NotificationConfigs.Active config = configs.current();
        return NativeSql.query(EXPIRE, now.toString()).chain(json -> {
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (Exemption e : NativeSql.list(json.path("expired"), Exemption.class)) {
                AlertingLogging.LOG.exemptionExpired(e.exemptionId(), e.controlId(), e.subjectPattern(), e.expiresAt().toString());
                JsonNode control = json.path("controls").path(e.controlId());
                List<String> criteria = new ArrayList<>();
                control.path("criteria").forEach(criterion -> criteria.add(criterion.asText()));
                FindingLabels labels = new FindingLabels(e.controlId(), e.subjectPattern(),
                        control.path("severity").asText(null), control.path("owner").asText(null), criteria, false);
                ObjectNode data = NativeSql.json().valueToTree(Map.of(
                        "exemptionId", e.exemptionId(), "controlId", e.controlId(),
                        "subjectPattern", e.subjectPattern(), "reason", e.reason(),
                        "requestedBy", e.requestedBy(), "approvedBy", String.valueOf(e.decidedBy()),
                        "expiresAt", e.expiresAt().toString()));
                for (Route route : config.config().routesFor(labels)) {
                    Receiver receiver = config.config().receivers().get(route.receiver());
                    if (receiver instanceof Receiver.PagerDuty) {
                        continue; // an expiry is news, not an incident
                    }
                    chain = chain.chain(() -> outbox.enqueueOther(receiver.name(), receiver.kind(),
                            "controlwatch.exemption.expired", "exemption/" + e.exemptionId(), data, e.exemptionId(),
                            now, config.version(), settings.dispatch().deadAfter()).replaceWithVoid());
                }
            }
            return chain;
        });
    }

    Uni<Void> breachSlas() {
        Instant now = clock.instant();
        NotificationConfigs.Active config = configs.current();
        return NativeSql.query(BREACHED, now.toString()).chain(json -> {
            List<Finding> due = NativeSql.list(json, Finding.class);
            if (due.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            List<Finding> breached = new ArrayList<>();
            List<HistoryEntry> history = new ArrayList<>();
            List<NotificationIntent> intents = new ArrayList<>();
            for (Finding f : due) {
                Finding b = f.breached(now);
                breached.add(b);
                history.add(new HistoryEntry(f.findingId(), now, "sla", "sla-breached", f.status(), f.status(),
                        "SLA was due at " + f.slaDueAt()));
                metrics.breached(f.severity()).increment();
                AlertingLogging.LOG.slaBreached(f.findingId(), f.controlId(), f.subject(), f.slaDueAt().toString());
                if (f.quiet()) {
                    continue;
                }
                Set<String> escalations = new LinkedHashSet<>();
                config.config().routesFor(b.labels()).forEach(r -> {
                    if (r.escalation() != null) {
                        escalations.add(r.escalation());
                    }
                });
                for (String name : escalations) {
                    intents.add(NotificationPlanner.single(config.config().receivers().get(name),
                            new FindingEvent(FindingEvent.ESCALATED, b).cloudEventType(), b.findingId()));
                }
            }
            return findings.write(breached, history, List.of())
                    .chain(() -> outbox.enqueue(intents, now, config.version(), settings.dispatch().deadAfter()));
        });
    }

    Uni<Void> remind() {
        Instant now = clock.instant();
        NotificationConfigs.Active config = configs.current();
        return NativeSql.query(REMINDERS, now.toString()).chain(json -> {
            List<NotificationIntent> intents = new ArrayList<>();
            List<Map<String, String>> stop = new ArrayList<>();
            for (JsonNode row : json) {
                Finding f = NativeSql.read(row.path("finding"), Finding.class);
                String name = row.path("receiver").asText();
                Receiver receiver = config.config().receivers().get(name);
                Route route = receiver == null ? null : config.config().routesFor(f.labels()).stream()
                        .filter(r -> r.receiver().equals(name)).findFirst().orElse(null);
                if (!Finding.OPEN.equals(f.status()) || route == null) {
                    // acknowledged, resolved, exempted, or no longer routed there: no more reminders
                    stop.add(Map.of("finding_id", f.findingId(), "receiver", name));
                    continue;
                }
                intents.add(new NotificationIntent(name, receiver.kind(), new FindingEvent(FindingEvent.REMINDER, f).cloudEventType(),
                        "finding/" + f.findingId() + "/reminder", f.findingId(), false, java.time.Duration.ZERO,
                        java.time.Duration.ZERO, route.repeatInterval()));
            }
            return NativeSql.updateRows(CLEAR_REMINDERS, stop)
                    .chain(() -> outbox.enqueue(intents, now, config.version(), settings.dispatch().deadAfter()));
        });
    }

    Uni<Void> gauges() {
        return NativeSql.query(GAUGES).invoke(json -> {
            Map<String, Long> open = new HashMap<>();
            json.path("open").fields().forEachRemaining(e -> open.put(e.getKey(), e.getValue().asLong()));
            metrics.openFindings(open);
            Map<String, Long> byCriterion = new HashMap<>();
            json.path("openByCriterion").fields().forEachRemaining(e -> byCriterion.put(e.getKey(), e.getValue().asLong()));
            evidenceMeters.openFindings(byCriterion);
            metrics.outbox(json.path("dead").asLong(), json.path("pending").asLong());
        }).replaceWithVoid();
    }
}
