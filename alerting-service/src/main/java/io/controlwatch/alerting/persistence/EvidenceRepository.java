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

import io.controlwatch.alerting.service.evidence.EvidenceChainer;
import io.controlwatch.evidence.ChainHead;
import io.controlwatch.evidence.EvidenceRow;
import io.controlwatch.evidence.Sha256;
import io.controlwatch.evidence.StoredExecution;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.controlwatch.alerting.persistence.ColumnArrays.column;
import static io.controlwatch.alerting.persistence.ColumnArrays.list;

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

    // The executions reach PostgreSQL as one array per column (ColumnArrays), the statement's parameters ?1..?27 in
    // this order, and the heads' JSON last. Arrays, not one JSON document: PostgreSQL parsed the JSON at ~8.5 us per
    // execution, two thirds of reading the rows, though little of the whole statement, which its index writes
    // dominate (BENCHMARKS.md, "The fifth round"). A row's criteria travel as one array literal.
    private static final ColumnArrays<ChainedExecution> EXECUTIONS = new ColumnArrays<>(List.of(
            column("execution_id", "uuid", c -> c.stored().row().executionId()),
            column("control_id", "text", c -> c.stored().row().controlId()),
            column("control_version", "text", c -> c.stored().row().controlVersion()),
            column("control_title", "text", c -> c.execution().controlTitle()),
            list("criteria", c -> c.stored().row().criteria()),
            column("severity", "text", c -> c.stored().row().severity()),
            column("result", "text", c -> c.stored().row().result()),
            column("reason", "text", c -> c.stored().row().reason()),
            column("subject", "text", c -> c.stored().row().subject()),
            column("event_id", "text", c -> c.stored().row().eventId()),
            column("event_source", "text", c -> c.stored().row().eventSource()),
            column("event_type", "text", c -> c.stored().row().eventType()),
            column("event_time", "timestamptz", c -> c.stored().row().eventTime().toString()),
            column("ingest_time", "timestamptz", c -> c.stored().row().ingestTime().toString()),
            column("evaluated_at", "timestamptz", c -> c.stored().row().evaluatedAt().toString()),
            column("pack", "text", c -> c.stored().row().pack()),
            column("pack_version", "text", c -> c.stored().row().packVersion()),
            column("evidence_event_ids", "text", c -> json(c.stored().row().evidenceEventIds())),
            column("late", "boolean", c -> String.valueOf(c.stored().row().late())),
            column("submitter", "text", c -> c.stored().row().submitter()),
            column("backfilled", "boolean", c -> String.valueOf(c.stored().row().backfilled())),
            column("message", "text", c -> c.stored().row().message()),
            column("exemption_id", "uuid", c -> c.stored().row().exemptionId()),
            column("chain_partition", "integer", c -> String.valueOf(c.stored().partition())),
            column("chain_offset", "bigint", c -> String.valueOf(c.stored().offset())),
            column("row_digest", "text", c -> c.stored().recordedDigest().hex()),
            column("chain_head", "text", c -> c.stored().recordedHead().hex())));

    // Data-modifying CTEs: `inserted` holds only the executions that were not stored before; failures and
    // counts are derived from it, so a duplicate can never add a failure or count twice.
    // The statement text is the same for every batch size: one cached query plan instead of one per size (up to 500
    // plans of up to 9,500 parameters each exhausted the heap).
    private static final String STORE = """
            with incoming as (
                -- the criteria literals are read as text[] here, once for the three statements that store them
                select %1$s from %2$s
            ),
            inserted as (
                insert into control_execution (execution_id, control_id, control_version, criteria, result, reason,
                                               subject, event_id, event_source, event_type, event_time, ingest_time,
                                               evaluated_at, pack, pack_version, evidence_event_ids, late,
                                               submitter, backfilled, message, exemption_id, severity,
                                               chain_partition, chain_offset, row_digest, chain_head)
                select execution_id, control_id, control_version, criteria, result, reason, subject, event_id,
                       event_source, event_type, event_time, ingest_time, evaluated_at, pack, pack_version,
                       evidence_event_ids, late, submitter, backfilled, message, exemption_id, severity,
                       chain_partition, chain_offset, decode(row_digest, 'hex'), decode(chain_head, 'hex')
                from incoming
                -- the recorder sends only executions it found not stored, under the lock of their chain heads; a
                -- conflict here (the same execution stored meanwhile from another partition) shows in the count
                -- the recorder checks, and the transaction is retried
                on conflict (execution_id) do nothing
                returning execution_id, control_id, result
            ),
            -- each partition's head moves only from the row count the recorder read under lock: anything else
            -- (a head moved by another instance) leaves the head unwritten, which the recorder sees and rolls back
            head_rows as (
                select * from jsonb_to_recordset(cast(cast(?%3$d as text) as jsonb)) as h(
                    chain_partition integer, previous_count bigint, chain_offset bigint, row_count bigint, head text,
                    max_event_time timestamptz)
            ),
            heads_moved as (
                update evidence_chain_head e set chain_offset = h.chain_offset, row_count = h.row_count,
                    head = decode(h.head, 'hex'), max_event_time = h.max_event_time, updated_at = now()
                from head_rows h
                where e.chain_partition = h.chain_partition and e.row_count = h.previous_count
                returning e.chain_partition
            ),
            heads_started as (
                insert into evidence_chain_head (chain_partition, chain_offset, row_count, head, max_event_time)
                select chain_partition, chain_offset, row_count, decode(head, 'hex'), max_event_time
                from head_rows where previous_count = 0
                on conflict (chain_partition) do nothing
                returning chain_partition
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
            -- how many were stored, not which: the recorder sends only executions not stored before and holds the
            -- count against what it sent (all of them, or the transaction is retried), so the rows it sent are the
            -- ones stored; answering them back cost PostgreSQL a JSON object per row (BENCHMARKS.md, "The tenth round")
            select jsonb_build_object('stored', (select count(*) from inserted),
                'heads', (select count(*) from heads_moved) + (select count(*) from heads_started))::text
            """.formatted(EXECUTIONS.select("r"), EXECUTIONS.unnest(1, "r"), EXECUTIONS.size() + 1);

    // Locked in partition order (no deadlock between instances), held to the end of the storing transaction.
    private static final String LOCK_HEADS = """
            select coalesce(jsonb_agg(jsonb_build_object('partition', chain_partition, 'offset', chain_offset,
                       'count', row_count, 'head', encode(head, 'hex'), 'maxEventTime', max_event_time)), '[]')::text
            from (select * from evidence_chain_head
                  where chain_partition in (select cast(jsonb_array_elements_text(cast(cast(?1 as text) as jsonb))
                                                        as integer))
                  order by chain_partition for update) h
            """;

    // A statement of its own, after the lock: it sees what a transaction that held the lock before committed.
    private static final String EXISTING = """
            select coalesce(jsonb_agg(execution_id), '[]')::text from control_execution
            where execution_id in (select cast(jsonb_array_elements_text(cast(cast(?1 as text) as jsonb)) as uuid))
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

    /** A row to store: the execution (for what the chain does not cover, e.g. its title) and its chained form. */
    public record ChainedExecution(ControlExecution execution, StoredExecution stored) {
    }

    /** Locks the chain heads of these partitions for the transaction and answers them (absent: not started). */
    public Uni<Map<Integer, ChainHead>> lockHeads(Collection<Integer> partitions) {
        return NativeSql.query(LOCK_HEADS, NativeSql.write(partitions)).map(json -> {
            Map<Integer, ChainHead> heads = new HashMap<>();
            json.forEach(h -> heads.put(h.path("partition").asInt(), new ChainHead(h.path("partition").asInt(),
                    h.path("offset").asLong(), h.path("count").asLong(), Sha256.fromHex(h.path("head").asText()),
                    OffsetDateTime.parse(h.path("maxEventTime").asText()).toInstant())));
            return heads;
        });
    }

    /** The ids of these executions that are stored already. */
    public Uni<Set<String>> existing(Collection<String> executionIds) {
        if (executionIds.isEmpty()) {
            return Uni.createFrom().item(Set.of());
        }
        return NativeSql.query(EXISTING, NativeSql.write(executionIds)).map(json -> {
            Set<String> ids = new HashSet<>();
            json.forEach(id -> ids.add(id.asText()));
            return ids;
        });
    }

    /** What one store statement did: how many executions it stored and how many chain heads it wrote. */
    public record StoreResult(long stored, long headsWritten) {
    }

    /**
     * Stores executions not stored before (see {@code EvidenceRecorder}), each with its chain position, digest and
     * head, and moves the chain heads; returns how many executions were stored (any already stored are skipped) and
     * how many heads were written, which the caller holds against what it sent.
     */
    public Uni<StoreResult> store(List<ChainedExecution> executions, Map<Integer, EvidenceChainer.HeadChange> heads) {
        if (executions.isEmpty()) {
            return Uni.createFrom().item(new StoreResult(0, 0));
        }
        // the values are the chained rows' (times to the microsecond, empty text as NULL), so that what PostgreSQL
        // keeps is exactly what was hashed
        return NativeSql.query(STORE, EXECUTIONS.parameters(executions, headRows(heads)))
                .map(json -> new StoreResult(json.path("stored").asLong(), json.path("heads").asLong()));
    }

    /** What the recorder derives findings and counts from, for an execution it stored. */
    public static Stored stored(ChainedExecution execution) {
        EvidenceRow row = execution.stored().row();
        return new Stored(row.executionId(), row.controlId(), row.result());
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

    private static String headRows(Map<Integer, EvidenceChainer.HeadChange> heads) {
        ArrayNode rows = ModelJson.mapper().createArrayNode();
        heads.forEach((partition, change) -> {
            ObjectNode row = rows.addObject();
            row.put("chain_partition", partition);
            row.put("previous_count", change.previousCount());
            row.put("chain_offset", change.head().offset());
            row.put("row_count", change.head().count());
            row.put("head", change.head().head().hex());
            row.put("max_event_time", change.head().maxEventTime().toString());
        });
        return rows.toString();
    }

    /** The evidence row the store keeps for an execution: what the chain covers, as PostgreSQL will hold it. */
    public static EvidenceRow evidenceRow(ControlExecution e, String exemptionId) {
        return new EvidenceRow(UUID.fromString(e.executionId()).toString(), e.controlId(), e.controlVersion(),
                e.criteria(), e.severity().json(), e.result().name(), storable(emptyToNull(e.reason())),
                storable(emptyToNull(e.message())), storable(emptyToNull(e.subject())), e.eventId(), e.eventSource(),
                e.eventType(), e.eventTime(), e.ingestTime(), e.evaluatedAt(), emptyToNull(e.pack()),
                emptyToNull(e.packVersion()), e.evidenceEventIds() == null ? List.of() : e.evidenceEventIds(),
                e.late(), e.backfilled(), emptyToNull(e.submitter()), emptyToNull(exemptionId));
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
