package io.controlwatch.console.service;

import java.util.Set;
import java.util.TreeSet;

import io.controlwatch.common.api.Roles;
import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.qute.TemplateData;
import io.quarkus.security.identity.SecurityIdentity;

import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;

/** The signed-in user as pages need them: name, roles, what they may do, and their access token for the API. */
@RequestScoped
@TemplateData
public class Viewer {

    @Inject
    SecurityIdentity identity;

    public String name() {
        return identity.isAnonymous() ? "" : identity.getPrincipal().getName();
    }

    public Set<String> roles() {
        return new TreeSet<>(identity.getRoles());
    }

    public boolean has(String role) {
        return identity.hasRole(role);
    }

    /** Acknowledge, assign, comment, resolve: docs/security.md "Who may call what". */
    public boolean canActOnFindings() {
        return has(Roles.ANALYST) || has(Roles.ONCALL);
    }

    /**
     * The period report and executions (posture, control figures and trend, matrix), read-only: the people's roles,
     * as {@code GET /api/v1/reports/operating-effectiveness} and {@code GET /api/v1/executions} allow (docs/security.md).
     */
    public boolean canReadReports() {
        return person();
    }

    /** {@code GET /api/v1/findings}: the people's roles. */
    public boolean canReadFindings() {
        return person();
    }

    /** Ingest's {@code GET /api/v1/sources} (the sources page): the people's roles. */
    public boolean canReadSources() {
        return person();
    }

    /** analyst, oncall, auditor, admin; not the machine role ingest. */
    private boolean person() {
        return has(Roles.ANALYST) || has(Roles.ONCALL) || has(Roles.AUDITOR) || has(Roles.ADMIN);
    }

    /** The Authorization header value the API is called with. */
    public String bearer() {
        AccessTokenCredential token = identity.getCredential(AccessTokenCredential.class);
        if (token == null) {
            throw new IllegalStateException("no access token in the session");
        }
        return "Bearer " + token.getToken();
    }
}
