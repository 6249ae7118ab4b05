package io.controlwatch.alerting.persistence;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/**
 * A control of the catalog with its running counts. The counts are updated in the transaction that stores the
 * executions they count, so they always equal the number of stored rows.
 */
@Entity
@Table(name = "control")
public class ControlEntity extends PanacheEntityBase {

    @Id
    @Column(name = "control_id")
    public String controlId;
    public String version;
    public String title;
    public String description;
    /** TSC criteria, e.g. CC6.1. */
    public String[] criteria;
    public String severity;
    public String owner;
    public String pack;
    @Column(name = "pack_version")
    public String packVersion;
    public long executions;
    public long passes;
    public long failures;
    public long errors;
    @Column(name = "last_executed_at")
    public Instant lastExecutedAt;
    @Column(name = "updated_at")
    public Instant updatedAt;
}
