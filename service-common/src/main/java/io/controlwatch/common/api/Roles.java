package io.controlwatch.common.api;

/** The roles a ControlWatch JWT carries in its {@code groups} claim. */
public final class Roles {
    /** Machines that send events. */
    public static final String INGEST = "ingest";
    /** Security team members: read failures and controls. */
    public static final String ANALYST = "analyst";
    /** External or internal auditors: read-only access to evidence. */
    public static final String AUDITOR = "auditor";
    /** Operators of ControlWatch itself. */
    public static final String ADMIN = "admin";

    private Roles() {
    }
}
