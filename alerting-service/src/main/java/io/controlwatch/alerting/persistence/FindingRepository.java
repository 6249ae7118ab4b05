package io.controlwatch.alerting.persistence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.controlwatch.alerting.service.exemptions.Exemption;
import io.controlwatch.alerting.service.findings.Evidence;
import io.controlwatch.alerting.service.findings.Finding;
import io.controlwatch.alerting.service.findings.FindingLifecycle;
import io.controlwatch.alerting.service.findings.FindingLifecycle.Key;
import io.controlwatch.alerting.service.findings.HistoryEntry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.controlwatch.alerting.persistence.ColumnArrays.column;
import static io.controlwatch.alerting.persistence.ColumnArrays.list;
import static io.controlwatch.alerting.persistence.ColumnArrays.time;

/** Findings, their history and evidence. Callers run these in a transaction. */
@ApplicationScoped
public class FindingRepository {

    /** What the lifecycle of a batch starts from, locked for the rest of the transaction. */
    public record Loaded(FindingLifecycle.State state, Map<String, Set<String>> told, List<Exemption> exemptions) {
    }

    // The unresolved findings of the batch's (control, subject) keys are locked: an acknowledgement through the API
    // or a second instance waits for this transaction instead of overwriting it.
    private static final String LOAD = """
            with keys as (
                select control_id, subject_key, bool_or(fail) as fail
                from jsonb_to_recordset(cast(cast(?1 as text) as jsonb)) as k(control_id text, subject_key text, fail boolean)
                group by control_id, subject_key
            ),
            unresolved as (
                select f.* from finding f join keys k on f.control_id = k.control_id and f.subject_key = k.subject_key
                where f.status <> 'RESOLVED'
                for update of f
            ),
            -- only a failure opens a finding that links to the previous one: passes need not look. The newest
            -- resolved one of each key is the first entry of its range in (control, subject, status, opened desc)
            -- (V25), not all of the key's findings sorted: a subject that fails and passes again and again has
            -- more resolved findings every day
            last_resolved as (
                select k.control_id, k.subject_key, l.finding_id
                from keys k cross join lateral (
                    select f.finding_id from finding f
                    where f.control_id = k.control_id and f.subject_key = k.subject_key and f.status = 'RESOLVED'
                    order by f.opened_at desc limit 1) l
                where k.fail
            )
            select jsonb_build_object(
                'unresolved', coalesce((select jsonb_agg(to_jsonb(u)) from unresolved u), '[]'),
                'last_resolved', coalesce((select jsonb_agg(to_jsonb(l)) from last_resolved l), '[]'),
                'owners', coalesce((select jsonb_object_agg(c.control_id, c.owner) from control c
                                    where c.control_id in (select control_id from keys) and c.owner is not null), '{}'),
                -- "= any(array(...))", not "in (select ...)": the planner joined the whole of finding_receiver,
                -- which grows by every finding ever notified, by hash against the CTE; this probes its key instead
                'told', coalesce((select jsonb_agg(jsonb_build_object('finding_id', r.finding_id, 'receiver', r.receiver))
                                  from finding_receiver r
                                  where r.finding_id = any(array(select finding_id from unresolved))), '[]'),
                'exemptions', coalesce((select jsonb_agg(to_jsonb(e)) from exemption e
                                        where e.status = 'ACTIVE' and e.control_id in (select control_id from keys)), '[]')
            )::text
            """;

    // Findings, their history and evidence reach PostgreSQL as one array per column (ColumnArrays), as executions do.
    private static final ColumnArrays<Finding> FINDINGS = new ColumnArrays<>(List.of(
            column("finding_id", "uuid", Finding::findingId),
            column("control_id", "text", Finding::controlId),
            column("control_title", "text", Finding::controlTitle),
            column("subject", "text", Finding::subject),
            column("subject_key", "text", Finding::subjectKey),
            column("status", "text", Finding::status),
            column("severity", "text", Finding::severity),
            list("criteria", Finding::criteria),
            column("owner", "text", Finding::owner),
            column("message", "text", Finding::message),
            column("reason", "text", Finding::reason),
            column("opened_at", "timestamptz", f -> time(f.openedAt())),
            column("first_seen_at", "timestamptz", f -> time(f.firstSeenAt())),
            column("last_seen_at", "timestamptz", f -> time(f.lastSeenAt())),
            column("failure_count", "bigint", f -> String.valueOf(f.failureCount())),
            column("sla_due_at", "timestamptz", f -> time(f.slaDueAt())),
            column("sla_breached", "boolean", f -> String.valueOf(f.slaBreached())),
            column("acknowledged_at", "timestamptz", f -> time(f.acknowledgedAt())),
            column("acknowledged_by", "text", Finding::acknowledgedBy),
            column("assignee", "text", Finding::assignee),
            column("resolved_at", "timestamptz", f -> time(f.resolvedAt())),
            column("resolved_by", "text", Finding::resolvedBy),
            column("resolution_reason", "text", Finding::resolutionReason),
            column("resolving_execution_id", "uuid", Finding::resolvingExecutionId),
            column("previous_finding_id", "uuid", Finding::previousFindingId),
            column("exemption_id", "uuid", Finding::exemptionId),
            column("quiet", "boolean", f -> String.valueOf(f.quiet())),
            column("updated_at", "timestamptz", f -> time(f.updatedAt())),
            column("version", "bigint", f -> String.valueOf(f.version()))));

    private static final ColumnArrays<HistoryEntry> HISTORY_ROWS = new ColumnArrays<>(List.of(
            column("finding_id", "uuid", HistoryEntry::findingId),
            column("at", "timestamptz", h -> time(h.at())),
            column("actor", "text", HistoryEntry::actor),
            column("action", "text", HistoryEntry::action),
            column("from_status", "text", HistoryEntry::fromStatus),
            column("to_status", "text", HistoryEntry::toStatus),
            column("comment", "text", HistoryEntry::comment)));

    private static final ColumnArrays<Evidence> EVIDENCE_ROWS = new ColumnArrays<>(List.of(
            column("finding_id", "uuid", Evidence::findingId),
            column("execution_id", "uuid", Evidence::executionId),
            column("result", "text", Evidence::result),
            column("event_time", "timestamptz", e -> time(e.eventTime()))));

    private static final String UPSERT = FINDINGS.insertInto("finding") + """
            on conflict (finding_id) do update set
                status = excluded.status, owner = excluded.owner, message = excluded.message, reason = excluded.reason,
                first_seen_at = excluded.first_seen_at, last_seen_at = excluded.last_seen_at,
                failure_count = excluded.failure_count, sla_due_at = excluded.sla_due_at,
                sla_breached = excluded.sla_breached, acknowledged_at = excluded.acknowledged_at,
                acknowledged_by = excluded.acknowledged_by, assignee = excluded.assignee,
                resolved_at = excluded.resolved_at, resolved_by = excluded.resolved_by,
                resolution_reason = excluded.resolution_reason, resolving_execution_id = excluded.resolving_execution_id,
                exemption_id = excluded.exemption_id, quiet = excluded.quiet, updated_at = excluded.updated_at,
                version = finding.version + 1
            """;

    private static final String HISTORY = HISTORY_ROWS.insertInto("finding_history");

    private static final String EVIDENCE = EVIDENCE_ROWS.insertInto("finding_evidence") + "on conflict do nothing";

    private static final String BY_ID_FOR_UPDATE = """
            select to_jsonb(f)::text from finding f where f.finding_id = cast(cast(?1 as text) as uuid) for update
            """;

    private static final String TOLD = """
            select coalesce(jsonb_agg(r.receiver), '[]')::text from finding_receiver r where r.finding_id = cast(cast(?1 as text) as uuid)
            """;

    /** @param failing the keys of {@code keys} that a failure of the batch is about */
    public Uni<Loaded> load(Collection<Key> keys, Set<Key> failing) {
        ArrayNode json = NativeSql.json().createArrayNode();
        for (Key key : new LinkedHashSet<>(keys)) {
            json.addObject().put("control_id", key.controlId()).put("subject_key", key.subjectKey())
                    .put("fail", failing.contains(key));
        }
        return NativeSql.query(LOAD, json.toString()).map(FindingRepository::loaded);
    }

    private static Loaded loaded(JsonNode json) {
        Map<Key, Finding> unresolved = new HashMap<>();
        for (Finding f : NativeSql.list(json.path("unresolved"), Finding.class)) {
            unresolved.put(new Key(f.controlId(), f.subjectKey()), f);
        }
        Map<Key, String> lastResolved = new HashMap<>();
        json.path("last_resolved").forEach(n -> lastResolved.put(
                new Key(n.path("control_id").asText(), n.path("subject_key").asText()), n.path("finding_id").asText()));
        Map<String, String> owners = new HashMap<>();
        json.path("owners").fields().forEachRemaining(e -> owners.put(e.getKey(), e.getValue().asText()));
        Map<String, Set<String>> told = new HashMap<>();
        json.path("told").forEach(n -> told.computeIfAbsent(n.path("finding_id").asText(), f -> new HashSet<>())
                .add(n.path("receiver").asText()));
        return new Loaded(new FindingLifecycle.State(unresolved, lastResolved, owners), told,
                NativeSql.list(json.path("exemptions"), Exemption.class));
    }

    /** Writes the findings' new states, their history and evidence. */
    public Uni<Void> write(List<Finding> findings, List<HistoryEntry> history, List<Evidence> evidence) {
        return FINDINGS.update(UPSERT, findings)
                .chain(() -> HISTORY_ROWS.update(HISTORY, history))
                .chain(() -> EVIDENCE_ROWS.update(EVIDENCE, evidence))
                .replaceWithVoid();
    }

    /** The finding, locked for a change; null when there is none. */
    public Uni<Finding> lock(String findingId) {
        return NativeSql.query(BY_ID_FOR_UPDATE, findingId)
                .map(json -> json == null || json.isNull() ? null : NativeSql.read(json, Finding.class));
    }

    /** The receivers that were told of a finding. */
    public Uni<Set<String>> told(String findingId) {
        return NativeSql.query(TOLD, findingId).map(json -> {
            Set<String> names = new LinkedHashSet<>();
            json.forEach(n -> names.add(n.asText()));
            return names;
        });
    }

    /** A history row for a change made through the API. */
    public static HistoryEntry entry(Finding before, Finding after, String actor, String action, String comment, Instant at) {
        return new HistoryEntry(after.findingId(), at, actor, action, before.status(), after.status(), comment);
    }
}
