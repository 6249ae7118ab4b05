package io.controlwatch.alerting.persistence;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/** A failed execution: an exception an auditor counts. Written by {@link EvidenceRepository}, read by the API. */
@Entity
@Table(name = "control_failure")
public class FailureEntity extends PanacheEntityBase {

    @Id
    @Column(name = "execution_id")
    public UUID executionId;
    @Column(name = "control_id")
    public String controlId;
    @Column(name = "control_version")
    public String controlVersion;
    @Column(name = "control_title")
    public String controlTitle;
    /** TSC criteria, e.g. CC6.1. */
    public String[] criteria;
    public String severity;
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
    @Column(name = "detected_at")
    public Instant detectedAt;
    @Column(name = "recorded_at")
    public Instant recordedAt;
    public String status;
    /** JSON array of the ids of the events that decided the failure. */
    @Column(name = "evidence_event_ids")
    public String evidenceEventIds;
    /** Who submitted the deciding event (an ingest client's token subject or a registered source). */
    public String submitter;
    public boolean backfilled;
    /** The control's message for this failure, for people. */
    public String message;
    /** The exemption that covered the failure when it was recorded (it is evidence all the same). */
    @Column(name = "exemption_id")
    public UUID exemptionId;
}
