package io.controlwatch.alerting.persistence;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.model.ControlDefinition;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ModelJson;
import io.controlwatch.model.PackVersion;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Writes evidence. One statement per batch stores the new executions, their failures and the control counts,
 * and skips executions already stored, so a redelivered batch changes nothing; it answers the new ones, from which
 * the recorder derives findings in the same transaction. Callers run it in a transaction.
 */
@ApplicationScoped
public class EvidenceRepository {

    /** An execution that was newly stored (not stored before). */
    public record Stored(String executionId, String controlId, String result) {
    }

    // Data-modifying CTEs: `inserted` holds only the executions that were not stored before; failures and
    // counts are derived from it, so a duplicate can never add a failure or count twice.
    // The rows arrive as one JSON parameter, so the statement text is the same for every batch size: one cached
    // query plan instead of one per size (up to 500 plans of up to 9,500 parameters each exhausted the heap).
    private static final String STORE = """
            with incoming as (
                -- bound as text: the reactive driver would send a String for a jsonb parameter as a JSON string
                select * from jsonb_to_recordset(cast(cast(?1 as text) as jsonb)) as r(
                    execution_id uuid, control_id text, control_version text, control_title text, criteria text[],
                    severity text, result text, reason text, subject text, event_id text, event_source text,
                    event_type text, event_time timestamptz, ingest_time timestamptz, evaluated_at timestamptz,
                    pack text, pack_version text, evidence_event_ids text, late boolean, submitter text,
                    backfilled boolean, message text, exemption_id uuid)
            ),
            inserted as (
                insert into control_execution (execution_id, control_id, control_version, criteria, result, reason,
                                               subject, event_id, event_source, event_type, event_time, ingest_time,
                                               evaluated_at, pack, pack_version, evidence_event_ids, late,
                                               submitter, backfilled, message, exemption_id)
                select execution_id, control_id, control_version, criteria, result, reason, subject, event_id,
                       event_source, event_type, event_time, ingest_time, evaluated_at, pack, pack_version,
                       evidence_event_ids, late, submitter, backfilled, message, exemption_id
                from incoming
                on conflict (execution_id) do nothing
                returning execution_id, control_id, result
            ),
            new_failures as (
                insert into control_failure (execution_id, control_id, control_version, control_title, criteria,
                                             severity, reason, subject, event_id, event_source, event_type,
                                             event_time, detected_at, evidence_event_ids, submitter, backfilled,
                                             message, exemption_id)
                select i.execution_id, i.control_id, i.control_version, i.control_title, i.criteria, i.severity,
                       i.reason, i.subject, i.event_id, i.event_source, i.event_type, i.event_time, i.evaluated_at,
                       i.evidence_event_ids, i.submitter, i.backfilled, i.message, i.exemption_id
                from incoming i join inserted n on n.execution_id = i.execution_id
                where i.result = 'FAIL'
                on conflict (execution_id) do nothing
            ),
            counted as (
                insert into control (control_id, version, title, criteria, severity, pack, pack_version, executions,
                                     passes, failures, errors, last_executed_at, updated_at)
                select i.control_id, max(i.control_version), max(i.control_title), max(i.criteria), max(i.severity),
                       max(i.pack), max(i.pack_version), count(*),
                       count(*) filter (where i.result = 'PASS'), count(*) filter (where i.result = 'FAIL'),
                       count(*) filter (where i.result = 'ERROR'), max(i.evaluated_at), now()
                from incoming i join inserted n on n.execution_id = i.execution_id
                group by i.control_id
                on conflict (control_id) do update set
                    executions = control.executions + excluded.executions,
                    passes = control.passes + excluded.passes,
                    failures = control.failures + excluded.failures,
                    errors = control.errors + excluded.errors,
                    last_executed_at = greatest(control.last_executed_at, excluded.last_executed_at)
            )
            -- the new executions, in no particular order: the recorder derives findings from them
            select coalesce(jsonb_agg(jsonb_build_object('execution_id', execution_id, 'control_id', control_id,
                                                         'result', result)), '[]')::text
            from inserted
            """;

    private static final String UPSERT_CONTROL = """
            insert into control (control_id, version, title, description, criteria, severity, owner, pack,
                                 pack_version, updated_at)
            values (?1, ?2, ?3, nullif(?4, ''), array(select jsonb_array_elements_text(cast(cast(?5 as text) as jsonb))),
                    ?6, nullif(?7, ''), ?8, ?9, now())
            on conflict (control_id) do update set
                version = excluded.version, title = excluded.title, description = excluded.description,
                criteria = excluded.criteria, severity = excluded.severity, owner = excluded.owner,
                pack = excluded.pack, pack_version = excluded.pack_version, updated_at = now()
            """;

    // an older pointer (a replay of the compacted topic, a slow instance) never replaces a later activation
    private static final String RECORD_ACTIVE_PACK = """
            insert into active_pack (singleton, pack, pack_version, origin, activated_by, activated_at)
            values (true, ?1, ?2, ?3, ?4, ?5)
            on conflict (singleton) do update set
                pack = excluded.pack, pack_version = excluded.pack_version, origin = excluded.origin,
                activated_by = excluded.activated_by, activated_at = excluded.activated_at, recorded_at = now()
            where excluded.activated_at >= active_pack.activated_at
            """;

    /**
     * Stores executions (distinct ids; see {@code EvidenceRecorder}), each failure marked with the exemption that
     * covers it (by execution id), and returns those that were new.
     */
    public Uni<List<Stored>> store(List<ControlExecution> executions, Map<String, String> exemptions) {
        if (executions.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return NativeSql.query(STORE, rows(executions, exemptions)).map(json -> {
            List<Stored> stored = new ArrayList<>(json.size());
            json.forEach(row -> stored.add(new Stored(row.path("execution_id").asText(),
                    row.path("control_id").asText(), row.path("result").asText())));
            return stored;
        });
    }

    /** Inserts or updates a control of the catalog; its counts are left as they are. */
    public Uni<Integer> recordActivePack(PackVersion active) {
        return Panache.getSession().chain(session -> session.createNativeQuery(RECORD_ACTIVE_PACK)
                .setParameter(1, active.name())
                .setParameter(2, active.version())
                .setParameter(3, active.origin())
                .setParameter(4, active.activatedBy())
                .setParameter(5, active.activatedAt().atOffset(ZoneOffset.UTC))
                .executeUpdate());
    }

    public Uni<Integer> upsertControl(ControlDefinition control) {
        return Panache.getSession().chain(session -> session.createNativeQuery(UPSERT_CONTROL)
                .setParameter(1, control.id())
                .setParameter(2, control.version())
                .setParameter(3, control.title())
                .setParameter(4, orEmpty(control.description()))
                .setParameter(5, json(control.criteria()))
                .setParameter(6, control.severity().json())
                .setParameter(7, orEmpty(control.owner()))
                .setParameter(8, control.pack())
                .setParameter(9, control.packVersion())
                .executeUpdate());
    }

    /** The executions as the JSON array {@code jsonb_to_recordset} reads; absent optional text becomes SQL NULL. */
    private static String rows(List<ControlExecution> executions, Map<String, String> exemptions) {
        ArrayNode rows = ModelJson.mapper().createArrayNode();
        for (ControlExecution e : executions) {
            ObjectNode row = rows.addObject();
            row.put("execution_id", UUID.fromString(e.executionId()).toString());
            row.put("control_id", e.controlId());
            row.put("control_version", e.controlVersion());
            row.put("control_title", e.controlTitle());
            e.criteria().forEach(row.putArray("criteria")::add);
            row.put("severity", e.severity().json());
            row.put("result", e.result().name());
            row.put("reason", storable(emptyToNull(e.reason())));
            row.put("subject", storable(emptyToNull(e.subject())));
            row.put("event_id", e.eventId());
            row.put("event_source", e.eventSource());
            row.put("event_type", e.eventType());
            row.put("event_time", e.eventTime().toString());
            row.put("ingest_time", e.ingestTime().toString());
            row.put("evaluated_at", e.evaluatedAt().toString());
            row.put("pack", emptyToNull(e.pack()));
            row.put("pack_version", emptyToNull(e.packVersion()));
            row.put("evidence_event_ids", json(e.evidenceEventIds()));
            row.put("late", e.late());
            row.put("submitter", emptyToNull(e.submitter()));
            row.put("backfilled", e.backfilled());
            row.put("message", storable(emptyToNull(e.message())));
            row.put("exemption_id", exemptions.get(e.executionId()));
        }
        return rows.toString();
    }

    private static String json(List<String> values) {
        try {
            return ModelJson.mapper().writeValueAsString(values);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Text that came from an event's data (a subject, a reason or message quoting it) may hold a NUL, which JSON
     * permits and PostgreSQL cannot store: it is kept visibly escaped rather than refused with the evidence.
     */
    public static String storable(String value) {
        return value == null || value.indexOf('\u0000') < 0 ? value : value.replace("\u0000", "\\u0000");
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }

    private static String emptyToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }
}
