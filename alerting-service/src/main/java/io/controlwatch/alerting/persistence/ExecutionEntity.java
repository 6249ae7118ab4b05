package io.controlwatch.alerting.persistence;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/** A stored execution: the population an auditor tests. Written by {@link EvidenceRepository}, read by the API. */
@Entity
@Table(name = "control_execution")
public class ExecutionEntity extends PanacheEntityBase {

    @Id
    @Column(name = "execution_id")
    public UUID executionId;
    @Column(name = "control_id")
    public String controlId;
    @Column(name = "control_version")
    public String controlVersion;
    /** TSC criteria, e.g. CC6.1. */
    public String[] criteria;
    public String result;
    public String reason;
    public String subject;
    @Column(name = "event_id")
    public String eventId;
    @Column(name = "event_source")
    public String eventSource;
    @Column(name = "event_type")
    public String eventType;
    @Column(name = "event_time")
    public Instant eventTime;
    @Column(name = "ingest_time")
    public Instant ingestTime;
    @Column(name = "evaluated_at")
    public Instant evaluatedAt;
    @Column(name = "recorded_at")
    public Instant recordedAt;
    public String pack;
    @Column(name = "pack_version")
    public String packVersion;
    /** JSON array of the ids of the events that decided the result. */
    @Column(name = "evidence_event_ids")
    public String evidenceEventIds;
    public boolean late;
    public String submitter;
    public boolean backfilled;
    public String message;
    /** The exemption in force when the execution was stored, if its failure was exempted. */
    @Column(name = "exemption_id")
    public UUID exemptionId;
}
