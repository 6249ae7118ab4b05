package io.controlwatch.alerting.service.exemptions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.alerting.config.ExemptionsConfig;
import io.controlwatch.alerting.config.NotifyConfig;
import io.controlwatch.alerting.logging.AlertingLogging;
import io.controlwatch.alerting.persistence.FindingRepository;
import io.controlwatch.alerting.persistence.NativeSql;
import io.controlwatch.alerting.persistence.OutboxRepository;
import io.controlwatch.alerting.service.findings.Finding;
import io.controlwatch.alerting.service.findings.FindingEvent;
import io.controlwatch.alerting.service.findings.HistoryEntry;
import io.controlwatch.alerting.service.notify.NotificationConfigs;
import io.controlwatch.alerting.service.notify.NotificationPlanner;
import io.controlwatch.alerting.service.routing.Glob;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Governed exemptions: requested with a reason and an expiry of at most {@code cw.exemptions.max-duration}, approved
 * or rejected by an admin who is not the requester (four eyes, also enforced by the table), revocable, expiring
 * (the sweeper). Approval exempts the matching unresolved findings at once; every change has a history row.
 */
@ApplicationScoped
public class ExemptionService {

    private static final String INSERT = """
            insert into exemption
            select * from jsonb_populate_record(null::exemption, cast(cast(?1 as text) as jsonb))
            """;
    private static final String UPDATE = """
            update exemption e set status = r.status, decided_by = r.decided_by, decided_at = r.decided_at,
                decision_comment = r.decision_comment, ended_by = r.ended_by, ended_at = r.ended_at,
                updated_at = r.updated_at
            from jsonb_populate_record(null::exemption, cast(cast(?1 as text) as jsonb)) r
            where e.exemption_id = r.exemption_id
            """;
    private static final String HISTORY = """
            insert into exemption_history (exemption_id, at, actor, action, from_status, to_status, comment)
            select cast(cast(?1 as text) as uuid), cast(cast(?2 as text) as timestamptz), ?3, ?4, nullif(?5, ''), ?6, nullif(?7, '')
            """;
    private static final String LOCK = """
            select coalesce((select to_jsonb(e) from exemption e where e.exemption_id = cast(cast(?1 as text) as uuid) for update), 'null')::text
            """;
    private static final String UNRESOLVED_OF_CONTROL = """
            select coalesce(jsonb_agg(to_jsonb(f)), '[]')::text from (
                select * from finding where control_id = ?1 and status in ('OPEN', 'ACKNOWLEDGED') for update
            ) f
            """;
    private static final String TOLD = """
            select coalesce(jsonb_agg(jsonb_build_object('finding_id', finding_id, 'receiver', receiver)), '[]')::text
            from finding_receiver
            where finding_id = any(array(select jsonb_array_elements_text(cast(cast(?1 as text) as jsonb))::uuid))
            """;
    private static final String LIST = """
            with p as (select cast(cast(?1 as text) as jsonb) as f)
            select coalesce(jsonb_agg(jsonb_build_object('exemption', to_jsonb(x), 'history',
                coalesce((select jsonb_agg(to_jsonb(h) order by h.history_id) from exemption_history h
                          where h.exemption_id = x.exemption_id), '[]'))
                order by x.requested_at desc, x.exemption_id desc), '[]')::text
            from (
                select e.* from exemption e, p
                where (p.f->'status' is null or e.status in (select jsonb_array_elements_text(p.f->'status')))
                  and (p.f->>'control' is null or e.control_id = p.f->>'control')
                  and (p.f->>'id' is null or e.exemption_id = cast(p.f->>'id' as uuid))
                  and (p.f->>'after_time' is null or (e.requested_at, e.exemption_id)
                       < (cast(p.f->>'after_time' as timestamptz), cast(p.f->>'after_id' as uuid)))
                order by e.requested_at desc, e.exemption_id desc
                limit cast(cast(?2 as text) as integer)
            ) x
            """;

    private final FindingRepository findings;
    private final OutboxRepository outbox;
    private final NotificationConfigs configs;
    private final ExemptionsConfig limits;
    private final NotifyConfig notify;
    private final Clock clock;

    public ExemptionService(FindingRepository findings, OutboxRepository outbox, NotificationConfigs configs,
                            ExemptionsConfig limits, NotifyConfig notify, Clock clock) {
        this.findings = findings;
        this.outbox = outbox;
        this.configs = configs;
        this.limits = limits;
        this.notify = notify;
        this.clock = clock;
    }

    @WithTransaction
    public Uni<Exemption> request(String control, String subjectPattern, String reason, Instant expiresAt, String actor) {
        Instant now = clock.instant();
        if (!expiresAt.isAfter(now)) {
            throw invalid("expiresAt", "must be in the future");
        }
        if (expiresAt.isAfter(now.plus(limits.maxDuration()))) {
            throw invalid("expiresAt", "must be at most " + limits.maxDuration().toDays()
                    + " days from now (cw.exemptions.max-duration)");
        }
        Exemption e = new Exemption(UUID.randomUUID().toString(), control, subjectPattern, reason, Exemption.PENDING,
                actor, now, expiresAt, null, null, null, null, null, now);
        AlertingLogging.LOG.exemptionChanged(e.exemptionId(), control, subjectPattern, "requested", actor);
        return NativeSql.update(INSERT, NativeSql.write(e))
                .chain(() -> history(e.exemptionId(), now, actor, "requested", null, Exemption.PENDING, reason))
                .replaceWith(e);
    }

    @WithTransaction
    public Uni<Exemption> approve(String id, String actor, String comment) {
        Instant now = clock.instant();
        return decide(id, actor, comment, true, now).chain(e -> exemptFindings(e, now).replaceWith(e));
    }

    @WithTransaction
    public Uni<Exemption> reject(String id, String actor, String comment) {
        return decide(id, actor, comment, false, clock.instant());
    }

    @WithTransaction
    public Uni<Exemption> revoke(String id, String actor, String comment) {
        Instant now = clock.instant();
        return lock(id).chain(e -> {
            if (!Exemption.ACTIVE.equals(e.status()) && !Exemption.PENDING.equals(e.status())) {
                throw conflict("Only a PENDING or ACTIVE exemption can be revoked; this one is " + e.status() + ".");
            }
            Exemption revoked = new Exemption(e.exemptionId(), e.controlId(), e.subjectPattern(), e.reason(),
                    Exemption.REVOKED, e.requestedBy(), e.requestedAt(), e.expiresAt(), e.decidedBy(), e.decidedAt(),
                    e.decisionComment(), actor, now, now);
            AlertingLogging.LOG.exemptionChanged(id, e.controlId(), e.subjectPattern(), "revoked", actor);
            return NativeSql.update(UPDATE, NativeSql.write(revoked))
                    .chain(() -> history(id, now, actor, "revoked", e.status(), Exemption.REVOKED, comment))
                    .replaceWith(revoked);
        });
    }

    @WithSession
    public Uni<JsonNode> list(ObjectNode filter) {
        return NativeSql.query(LIST, filter.toString(), filter.path("limit").asText("100"));
    }

    private Uni<Exemption> decide(String id, String actor, String comment, boolean approve, Instant now) {
        return lock(id).chain(e -> {
            if (!Exemption.PENDING.equals(e.status())) {
                throw conflict("Only a PENDING exemption can be " + (approve ? "approved" : "rejected")
                        + "; this one is " + e.status() + ".");
            }
            if (actor.equals(e.requestedBy())) {
                throw new ProblemException(Problem.of(Response.Status.FORBIDDEN, "four-eyes",
                        "Requester cannot decide", "An exemption is approved or rejected by an admin other than "
                                + "the one who requested it (four-eyes principle)."));
            }
            if (approve && !e.expiresAt().isAfter(now)) {
                throw conflict("The exemption's expiry " + e.expiresAt() + " has passed; request a new one.");
            }
            String status = approve ? Exemption.ACTIVE : Exemption.REJECTED;
            Exemption decided = new Exemption(e.exemptionId(), e.controlId(), e.subjectPattern(), e.reason(), status,
                    e.requestedBy(), e.requestedAt(), e.expiresAt(), actor, now, comment, null, null, now);
            AlertingLogging.LOG.exemptionChanged(id, e.controlId(), e.subjectPattern(), approve ? "approved" : "rejected", actor);
            return NativeSql.update(UPDATE, NativeSql.write(decided))
                    .chain(() -> history(id, now, actor, approve ? "approved" : "rejected", Exemption.PENDING, status, comment))
                    .replaceWith(decided);
        });
    }

    /** The unresolved findings the new exemption covers become EXEMPTED; whoever was paged is told. */
    private Uni<Void> exemptFindings(Exemption e, Instant now) {
        NotificationConfigs.Active config = configs.current();
        return NativeSql.query(UNRESOLVED_OF_CONTROL, e.controlId()).chain(json -> {
            List<Finding> covered = new ArrayList<>();
            List<HistoryEntry> history = new ArrayList<>();
            List<FindingEvent> events = new ArrayList<>();
            for (Finding f : NativeSql.list(json, Finding.class)) {
                if (!Glob.matches(e.subjectPattern(), f.subjectKey())) {
                    continue;
                }
                Finding exempted = new Finding(f.findingId(), f.controlId(), f.controlTitle(), f.subject(),
                        f.subjectKey(), Finding.EXEMPTED, f.severity(), f.criteria(), f.owner(), f.message(), f.reason(),
                        f.openedAt(), f.firstSeenAt(), f.lastSeenAt(), f.failureCount(), f.slaDueAt(), f.slaBreached(),
                        f.acknowledgedAt(), f.acknowledgedBy(), f.assignee(), null, null, null, null,
                        f.previousFindingId(), e.exemptionId(), f.quiet(), now, f.version());
                covered.add(exempted);
                history.add(new HistoryEntry(f.findingId(), now, e.decidedBy(), "exempted", f.status(), Finding.EXEMPTED,
                        "exemption " + e.exemptionId() + " approved"));
                if (!f.quiet()) {
                    events.add(new FindingEvent(FindingEvent.EXEMPTED, exempted));
                }
            }
            if (covered.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            List<String> ids = covered.stream().map(Finding::findingId).toList();
            return findings.write(covered, history, List.of())
                    .chain(() -> NativeSql.query(TOLD, NativeSql.write(ids)))
                    .chain(toldJson -> {
                        Map<String, Set<String>> told = new HashMap<>();
                        toldJson.forEach(t -> told.computeIfAbsent(t.path("finding_id").asText(), k -> new HashSet<>())
                                .add(t.path("receiver").asText()));
                        return outbox.enqueue(NotificationPlanner.plan(events, config.config(), told), now,
                                config.version(), notify.dispatch().deadAfter());
                    });
        });
    }

    private Uni<Exemption> lock(String id) {
        return NativeSql.query(LOCK, id).map(json -> {
            if (json.isNull()) {
                throw new ProblemException(Problem.of(Response.Status.NOT_FOUND, "not-found", "Not found",
                        "There is no exemption " + id + "."));
            }
            return NativeSql.read(json, Exemption.class);
        });
    }

    private Uni<Integer> history(String id, Instant at, String actor, String action, String from, String to, String comment) {
        return NativeSql.update(HISTORY, id, at.toString(), actor, action, from == null ? "" : from, to,
                comment == null ? "" : comment);
    }

    static ProblemException invalid(String field, String message) {
        return new ProblemException(Problem.of(Response.Status.BAD_REQUEST, "invalid-exemption", "Invalid exemption",
                "'" + field + "' " + message + ".").withErrors(List.of(new Problem.FieldError(null, field, message))));
    }

    static ProblemException conflict(String detail) {
        return new ProblemException(Problem.of(Response.Status.CONFLICT, "exemption-state-conflict",
                "The exemption's state does not allow this", detail));
    }
}
