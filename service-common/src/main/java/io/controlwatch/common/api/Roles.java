package io.controlwatch.common.api;

/** The roles a ControlWatch JWT carries in its {@code groups} claim. */
public final class Roles {
    /** Machines that send events. */
    public static final String INGEST = "ingest";
    /** Security team members: read failures and controls, act on findings, request exemptions. */
    public static final String ANALYST = "analyst";
    /** On-call engineers: read failures and findings, act on findings. */
    public static final String ONCALL = "oncall";
    /** External or internal auditors: read-only access to evidence. */
    public static final String AUDITOR = "auditor";
    /** Operators of ControlWatch itself. */
    public static final String ADMIN = "admin";

    private Roles() {
    }
}
