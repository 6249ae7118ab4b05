package io.controlwatch.alerting.service.findings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.alerting.config.NotifyConfig;
import io.controlwatch.alerting.logging.AlertingLogging;
import io.controlwatch.alerting.persistence.FindingRepository;
import io.controlwatch.alerting.persistence.NativeSql;
import io.controlwatch.alerting.persistence.OutboxRepository;
import io.controlwatch.alerting.service.notify.NotificationConfigs;
import io.controlwatch.alerting.service.notify.NotificationPlanner;
import io.controlwatch.common.api.Problem;
import io.controlwatch.common.api.ProblemException;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/** What people do with findings (through the API), each change with its history row and notifications, atomically. */
@ApplicationScoped
public class FindingService {

    private static final String LIST = """
            with p as (select cast(cast(?1 as text) as jsonb) as f)
            select coalesce(jsonb_agg(to_jsonb(x) order by x.opened_at desc, x.finding_id desc), '[]')::text from (
                select f.* from finding f, p
                where (p.f->'status' is null or f.status in (select jsonb_array_elements_text(p.f->'status')))
                  and (p.f->>'control' is null or f.control_id = p.f->>'control')
                  and (p.f->>'subject' is null or f.subject = p.f->>'subject')
                  and (p.f->>'severity' is null or f.severity = p.f->>'severity')
                  and (p.f->>'criterion' is null or p.f->>'criterion' = any (f.criteria))
                  and (p.f->>'owner' is null or f.owner = p.f->>'owner')
                  and (p.f->>'sla_breached' is null or f.sla_breached = cast(p.f->>'sla_breached' as boolean))
                  and (p.f->>'from' is null or f.opened_at >= cast(p.f->>'from' as timestamptz))
                  and (p.f->>'to' is null or f.opened_at < cast(p.f->>'to' as timestamptz))
                  and (p.f->>'after_time' is null or (f.opened_at, f.finding_id)
                       < (cast(p.f->>'after_time' as timestamptz), cast(p.f->>'after_id' as uuid)))
                order by f.opened_at desc, f.finding_id desc
                limit cast(cast(?2 as text) as integer)
            ) x
            """;

    private static final String DETAIL = """
            select case when f.finding_id is null then 'null' else jsonb_build_object(
                'finding', to_jsonb(f),
                'history', coalesce((select jsonb_agg(to_jsonb(h) order by h.history_id) from finding_history h
                                     where h.finding_id = f.finding_id), '[]'),
                'evidence_count', (select count(*) from finding_evidence e where e.finding_id = f.finding_id),
                -- the newest 100, along finding_evidence's key read backwards (V24)
                'evidence', coalesce((select jsonb_agg(to_jsonb(x) order by x.event_time desc, x.execution_id desc) from (
                    select e.result as evidence_result, e.event_time as evidence_time, x.*
                    from finding_evidence e join control_execution x on x.execution_id = e.execution_id
                    where e.finding_id = f.finding_id order by e.event_time desc, e.execution_id desc limit 100) x), '[]'),
                'notifications', coalesce((select jsonb_agg(jsonb_build_object('notification_id', n.notification_id,
                    'receiver', n.receiver, 'event_type', n.event_type, 'status', n.status, 'created_at', n.created_at,
                    'delivered_at', n.delivered_at) order by n.created_at) from notification_finding nf
                    join notification n on n.notification_id = nf.notification_id where nf.finding_id = f.finding_id), '[]')
            ) end::text
            from (select 1) one left join finding f on f.finding_id = cast(cast(?1 as text) as uuid)
            """;

    private final FindingRepository findings;
    private final OutboxRepository outbox;
    private final NotificationConfigs configs;
    private final NotifyConfig notify;
    private final Clock clock;

    public FindingService(FindingRepository findings, OutboxRepository outbox, NotificationConfigs configs,
                          NotifyConfig notify, Clock clock) {
        this.findings = findings;
        this.outbox = outbox;
        this.configs = configs;
        this.notify = notify;
        this.clock = clock;
    }

    /** Findings matching the filter (a JSON object, see {@code LIST}), newest opened first, at most limit. */
    @WithSession
    public Uni<JsonNode> list(ObjectNode filter) {
        return NativeSql.query(LIST, filter.toString(), filter.path("limit").asText("100"));
    }

    /** The finding with history, evidence (latest 100) and notifications; JSON null when there is none. */
    @WithSession
    public Uni<JsonNode> detail(String findingId) {
        return NativeSql.query(DETAIL, findingId);
    }

    @WithTransaction
    public Uni<Finding> acknowledge(String findingId, String actor, String comment) {
        return change(findingId, actor, "acknowledged", comment, (f, now) -> {
            if (!Finding.OPEN.equals(f.status())) {
                throw conflict("Only an OPEN finding can be acknowledged; this one is " + f.status() + ".");
            }
            return f.acknowledged(actor, now);
        }, FindingEvent.ACKNOWLEDGED);
    }

    @WithTransaction
    public Uni<Finding> resolve(String findingId, String actor, String reason) {
        return change(findingId, actor, "resolved", reason, (f, now) -> {
            if (!f.unresolved()) {
                throw conflict("The finding is already RESOLVED.");
            }
            return f.resolved(actor, reason, null, now);
        }, FindingEvent.RESOLVED);
    }

    @WithTransaction
    public Uni<Finding> assign(String findingId, String actor, String assignee) {
        return change(findingId, actor, "assigned", "to " + assignee, (f, now) -> {
            if (!f.unresolved()) {
                throw conflict("A RESOLVED finding cannot be assigned.");
            }
            return f.assigned(assignee, now);
        }, null);
    }

    @WithTransaction
    public Uni<Finding> comment(String findingId, String actor, String comment) {
        return change(findingId, actor, "commented", comment, (f, now) -> f.touched(now), null);
    }

    private Uni<Finding> change(String findingId, String actor, String action, String comment,
                                BiFunction<Finding, Instant, Finding> how, String eventType) {
        Instant now = clock.instant();
        NotificationConfigs.Active config = configs.current();
        return findings.lock(findingId).chain(before -> {
            if (before == null) {
                throw notFound(findingId);
            }
            Finding after = how.apply(before, now);
            HistoryEntry entry = FindingRepository.entry(before, after, actor, action, comment, now);
            AlertingLogging.LOG.findingChanged(after.findingId(), after.controlId(), String.valueOf(after.subject()), action, actor);
            Uni<Void> write = findings.write(List.of(after), List.of(entry), List.of());
            if (eventType == null || after.quiet()) {
                return write.replaceWith(after);
            }
            return write.chain(() -> findings.told(findingId)).chain(told -> outbox.enqueue(
                    NotificationPlanner.plan(List.of(new FindingEvent(eventType, after)), config.config(),
                            Map.of(findingId, Set.copyOf(told))), now, config.version(), notify.dispatch().deadAfter()))
                    .replaceWith(after);
        });
    }

    public static ProblemException notFound(String id) {
        return new ProblemException(Problem.of(Response.Status.NOT_FOUND, "not-found", "Not found",
                "There is no finding " + id + "."));
    }

    static ProblemException conflict(String detail) {
        return new ProblemException(Problem.of(Response.Status.CONFLICT, "finding-state-conflict",
                "The finding's state does not allow this", detail));
    }
}
