package io.controlwatch.alerting.service;

import io.controlwatch.alerting.service.evidence.EvidenceChainer;
import io.vertx.pgclient.PgException;
import org.hibernate.JDBCException;

import java.io.IOException;
import java.sql.SQLException;
import java.util.concurrent.TimeoutException;

/**
 * Tells why storing failed, because the cure differs: a database that is away is waited out (evidence must not be
 * dead-lettered for an outage), while a record the database refuses (SQLSTATE class 22 data exception, 23 integrity
 * violation: a NUL in a text, a year it cannot represent) would fail forever and must be set aside so that every
 * other record is stored.
 */
public final class StoreFailures {

    /** The kinds of failure. */
    public enum Kind {
        /** The database is unreachable, restarting, overloaded or the transaction lost a race: retry. */
        TRANSIENT,
        /** The database refused the content: the offending records are poison. */
        DATA,
        /** Anything else: retried a few times, then the batch is split to find out. */
        UNKNOWN
    }

    private StoreFailures() {
    }

    public static Kind classify(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof EvidenceChainer.ChainConflict) {
                return Kind.TRANSIENT; // a race with another writer of the chain: the retry sees its rows
            }
            if (t instanceof EvidenceChainer.OutOfOrder || t instanceof EvidenceChainer.Unrepresentable) {
                return Kind.DATA; // a position the chain has passed, or content it cannot encode: never storable
            }
            String state = state(t);
            if (state != null) {
                String sqlClass = state.length() >= 2 ? state.substring(0, 2) : state;
                return switch (sqlClass) {
                    case "22", "23" -> Kind.DATA;
                    // connection exception, insufficient resources, operator intervention, transaction rollback
                    case "08", "53", "57", "40", "55", "58" -> Kind.TRANSIENT;
                    default -> Kind.UNKNOWN;
                };
            }
            if (t instanceof IOException || t instanceof TimeoutException
                    || t.getClass().getName().startsWith("io.netty.channel")
                    || t.getClass().getSimpleName().contains("ClosedConnection")
                    || t.getClass().getSimpleName().contains("Timeout")
                    || (t.getMessage() != null && (t.getMessage().contains("Connection refused")
                    || t.getMessage().contains("Connection reset") || t.getMessage().contains("connection was closed")
                    || t.getMessage().contains("Pool closed")))) {
                return Kind.TRANSIENT;
            }
        }
        return Kind.UNKNOWN;
    }

    /** SQLSTATE of the failure, if the database gave one. */
    public static String sqlState(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof EvidenceChainer.OutOfOrder) {
                return "chain-order";
            }
            if (t instanceof EvidenceChainer.Unrepresentable u) {
                return u.sqlState();
            }
            String state = state(t);
            if (state != null) {
                return state;
            }
        }
        return null;
    }

    /**
     * A short description for people: the database's own message, never a stack trace or the statement (Hibernate's
     * messages quote the whole SQL).
     */
    public static String describe(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof EvidenceChainer.Unrepresentable u) {
                return "Refused as evidence before PostgreSQL: " + u.getMessage() + " (SQLSTATE " + u.sqlState() + ")";
            }
            if (t instanceof PgException pg) {
                return "PostgreSQL refused it: " + pg.getErrorMessage() + " (SQLSTATE " + pg.getSqlState() + ")";
            }
            if (t instanceof JDBCException jdbc && jdbc.getSQLState() != null) {
                String message = jdbc.getSQLException() != null ? jdbc.getSQLException().getMessage() : jdbc.getErrorMessage();
                return "PostgreSQL refused it: " + firstLine(message) + " (SQLSTATE " + jdbc.getSQLState() + ")";
            }
        }
        String message = failure.getMessage();
        return failure.getClass().getSimpleName() + (message == null ? "" : ": " + firstLine(message));
    }

    /** Hibernate wraps the driver's error in its own exceptions; both carry the SQLSTATE. */
    private static String state(Throwable t) {
        if (t instanceof PgException pg) {
            return pg.getSqlState();
        }
        if (t instanceof JDBCException jdbc) {
            return jdbc.getSQLState();
        }
        if (t instanceof SQLException sql) {
            return sql.getSQLState();
        }
        return null;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        String line = newline < 0 ? message : message.substring(0, newline);
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }
}
