package io.controlwatch.alerting.service.access;

import jakarta.enterprise.context.RequestScoped;

import java.time.Instant;

/**
 * What a resource knows about the read it answers, for the access log: the rows it returned and the period it was
 * asked for when that is not in the query string (an export's period is in its body or its record). Left unset, the
 * access is recorded with no row count (unknown) and the period of the {@code from}/{@code to} query parameters.
 */
@RequestScoped
public class AccessDetails {

    private Long rows;
    private Instant from;
    private Instant to;

    /** The rows this answer holds. */
    public void rows(long count) {
        this.rows = count;
    }

    /** The period this request reads. */
    public void period(Instant from, Instant to) {
        this.from = from;
        this.to = to;
    }

    public Long rows() {
        return rows;
    }

    public Instant from() {
        return from;
    }

    public Instant to() {
        return to;
    }
}
