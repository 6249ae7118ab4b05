package io.controlwatch.alerting.persistence;

import io.controlwatch.model.ControlDefinition;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ModelJson;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.hibernate.reactive.mutiny.Mutiny;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Writes evidence. One statement per batch stores the new executions, their failures and the control counts,
 * and skips executions already stored, so a redelivered batch changes nothing. Callers run it in a transaction.
 */
@ApplicationScoped
public class EvidenceRepository {

    /** How many executions of one control were newly stored with one result. */
    public record StoredCount(String controlId, String result, long count) {
    }

    private static final int COLUMNS = 19;

    // Data-modifying CTEs: `inserted` holds only the executions that were not stored before; failures and
    // counts are derived from it, so a duplicate can never add a failure or count twice.
    private static final String STORE_HEAD = """
            with incoming (execution_id, control_id, control_version, control_title, criteria, severity, result,
                           reason, subject, event_id, event_source, event_type, event_time, ingest_time,
                           evaluated_at, pack, pack_version, evidence_event_ids, late) as (
                values %s
            ),
            inserted as (
                insert into control_execution (execution_id, control_id, control_version, criteria, result, reason,
                                               subject, event_id, event_source, event_type, event_time, ingest_time,
                                               evaluated_at, pack, pack_version, evidence_event_ids, late)
                select execution_id, control_id, control_version, criteria, result, reason, subject, event_id,
                       event_source, event_type, event_time, ingest_time, evaluated_at, pack, pack_version,
                       evidence_event_ids, late
                from incoming
                on conflict (execution_id) do nothing
                returning execution_id, control_id, result
            ),
            new_failures as (
                insert into control_failure (execution_id, control_id, control_version, control_title, criteria,
                                             severity, reason, subject, event_id, event_source, event_type,
                                             event_time, detected_at, evidence_event_ids)
                select i.execution_id, i.control_id, i.control_version, i.control_title, i.criteria, i.severity,
                       i.reason, i.subject, i.event_id, i.event_source, i.event_type, i.event_time, i.evaluated_at,
                       i.evidence_event_ids
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
            select control_id, result, count(*) from inserted group by control_id, result
            """;

    private static final String UPSERT_CONTROL = """
            insert into control (control_id, version, title, description, criteria, severity, owner, pack,
                                 pack_version, updated_at)
            values (?1, ?2, ?3, nullif(?4, ''), ?5, ?6, nullif(?7, ''), ?8, ?9, now())
            on conflict (control_id) do update set
                version = excluded.version, title = excluded.title, description = excluded.description,
                criteria = excluded.criteria, severity = excluded.severity, owner = excluded.owner,
                pack = excluded.pack, pack_version = excluded.pack_version, updated_at = now()
            """;

    /**
     * Stores executions (distinct ids; see {@code EvidenceRecorder}) and returns what was new.
     */
    public Uni<List<StoredCount>> store(List<ControlExecution> executions) {
        if (executions.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        StringBuilder values = new StringBuilder();
        for (int row = 0; row < executions.size(); row++) {
            int p = row * COLUMNS;
            if (row > 0) {
                values.append(",\n");
            }
            // nullif(?, ''): optional text is bound as '' so every parameter has a type the driver can send
            values.append("(cast(?%d as uuid), ?%d, ?%d, ?%d, ?%d, ?%d, ?%d, nullif(?%d, ''), nullif(?%d, ''), ?%d, ?%d, ?%d, "
                    .formatted(p + 1, p + 2, p + 3, p + 4, p + 5, p + 6, p + 7, p + 8, p + 9, p + 10, p + 11, p + 12))
                    .append("cast(?%d as timestamptz), cast(?%d as timestamptz), cast(?%d as timestamptz), nullif(?%d, ''), nullif(?%d, ''), "
                            .formatted(p + 13, p + 14, p + 15, p + 16, p + 17))
                    .append("?%d, cast(?%d as boolean))".formatted(p + 18, p + 19));
        }
        return Panache.getSession().chain(session -> {
            Mutiny.SelectionQuery<Object[]> query = session.createNativeQuery(STORE_HEAD.formatted(values), Object[].class);
            for (int row = 0; row < executions.size(); row++) {
                bind(query, row * COLUMNS, executions.get(row));
            }
            return query.getResultList();
        }).map(rows -> {
            List<StoredCount> counts = new ArrayList<>(rows.size());
            for (Object[] row : rows) {
                counts.add(new StoredCount((String) row[0], (String) row[1], ((Number) row[2]).longValue()));
            }
            return counts;
        });
    }

    /** Inserts or updates a control of the catalog; its counts are left as they are. */
    public Uni<Integer> upsertControl(ControlDefinition control) {
        return Panache.getSession().chain(session -> session.createNativeQuery(UPSERT_CONTROL)
                .setParameter(1, control.id())
                .setParameter(2, control.version())
                .setParameter(3, control.title())
                .setParameter(4, orEmpty(control.description()))
                .setParameter(5, String.join(",", control.criteria()))
                .setParameter(6, control.severity().json())
                .setParameter(7, orEmpty(control.owner()))
                .setParameter(8, control.pack())
                .setParameter(9, control.packVersion())
                .executeUpdate());
    }

    private static void bind(Mutiny.SelectionQuery<Object[]> query, int offset, ControlExecution e) {
        query.setParameter(offset + 1, UUID.fromString(e.executionId()));
        query.setParameter(offset + 2, e.controlId());
        query.setParameter(offset + 3, e.controlVersion());
        query.setParameter(offset + 4, e.controlTitle());
        query.setParameter(offset + 5, String.join(",", e.criteria()));
        query.setParameter(offset + 6, e.severity().json());
        query.setParameter(offset + 7, e.result().name());
        query.setParameter(offset + 8, orEmpty(e.reason()));
        query.setParameter(offset + 9, orEmpty(e.subject()));
        query.setParameter(offset + 10, e.eventId());
        query.setParameter(offset + 11, e.eventSource());
        query.setParameter(offset + 12, e.eventType());
        query.setParameter(offset + 13, utc(e.eventTime()));
        query.setParameter(offset + 14, utc(e.ingestTime()));
        query.setParameter(offset + 15, utc(e.evaluatedAt()));
        query.setParameter(offset + 16, orEmpty(e.pack()));
        query.setParameter(offset + 17, orEmpty(e.packVersion()));
        query.setParameter(offset + 18, json(e.evidenceEventIds()));
        query.setParameter(offset + 19, e.late());
    }

    private static String json(List<String> values) {
        try {
            return ModelJson.mapper().writeValueAsString(values);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }
}
