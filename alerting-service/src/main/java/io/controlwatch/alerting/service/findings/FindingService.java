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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/** What people do with findings (through the API), each change with its history row and notifications, atomically. */
@ApplicationScoped
public class FindingService {

    // The page of findings for a filter. Only the filters given become conditions, each on a parameter of its own: one
    // statement for every filter ("p.f->'status' is null or f.status in ...") left PostgreSQL no index but the
    // newest-first order's, so a filter matching few findings read every finding ever opened (35-45 ms for
    // status=EXEMPTED at 67,856 findings, growing with history; BENCHMARKS.md, "The tenth round"). Now a status list
    // reads (status, opened_at desc, finding_id desc), a control (control_id, subject_key, status, opened_at desc).
    private static final String LIST = """
            select coalesce(jsonb_agg(to_jsonb(x) order by x.opened_at desc, x.finding_id desc), '[]')::text from (
                select f.* from finding f
                where %s
                order by f.opened_at desc, f.finding_id desc
                limit cast(cast(?%d as text) as integer)
            ) x
            """;

    /** A statement and its parameters ({@code ?1..?n}, all text). */
    public record Statement(String sql, List<String> parameters) {
    }

    /** The statement listing the findings the filter (see {@code FindingResource}) selects, newest opened first. */
    public static Statement listStatement(JsonNode filter) {
        List<String> conditions = new ArrayList<>();
        List<String> parameters = new ArrayList<>();
        if (filter.path("status").isArray() && !filter.path("status").isEmpty()) {
            // the API took each value from its fixed set of statuses: an array literal of plain words
            List<String> statuses = new ArrayList<>();
            filter.path("status").forEach(status -> {
                if (!status.asText().matches("[A-Z]+")) {
                    throw new IllegalArgumentException("not a finding status: " + status);
                }
                statuses.add(status.asText());
            });
            parameters.add("{" + String.join(",", statuses) + "}");
            conditions.add("f.status = any(cast(cast(?" + parameters.size() + " as text) as text[]))");
        }
        condition(filter, "control", "f.control_id = cast(?%d as text)", conditions, parameters);
        condition(filter, "subject", "f.subject = cast(?%d as text)", conditions, parameters);
        condition(filter, "severity", "f.severity = cast(?%d as text)", conditions, parameters);
        condition(filter, "criterion", "cast(?%d as text) = any(f.criteria)", conditions, parameters);
        condition(filter, "owner", "f.owner = cast(?%d as text)", conditions, parameters);
        condition(filter, "sla_breached", "f.sla_breached = cast(cast(?%d as text) as boolean)", conditions, parameters);
        condition(filter, "from", "f.opened_at >= cast(cast(?%d as text) as timestamptz)", conditions, parameters);
        condition(filter, "to", "f.opened_at < cast(cast(?%d as text) as timestamptz)", conditions, parameters);
        if (filter.hasNonNull("after_time")) {
            parameters.add(filter.path("after_time").asText());
            parameters.add(filter.path("after_id").asText());
            conditions.add("(f.opened_at, f.finding_id) < (cast(cast(?" + (parameters.size() - 1)
                    + " as text) as timestamptz), cast(cast(?" + parameters.size() + " as text) as uuid))");
        }
        parameters.add(filter.path("limit").asText("100"));
        String where = conditions.isEmpty() ? "true" : String.join("\n  and ", conditions);
        return new Statement(LIST.formatted(where, parameters.size()), List.copyOf(parameters));
    }

    private static void condition(JsonNode filter, String name, String sql, List<String> conditions,
                                  List<String> parameters) {
        if (filter.hasNonNull(name)) {
            parameters.add(filter.path(name).asText());
            conditions.add(sql.formatted(parameters.size()));
        }
    }

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

    /** Findings matching the filter (a JSON object, see {@link #listStatement}), newest opened first, at most limit. */
    @WithSession
    public Uni<JsonNode> list(ObjectNode filter) {
        Statement statement = listStatement(filter);
        return NativeSql.query(statement.sql(), statement.parameters().toArray());
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
