package io.controlwatch.alerting.api;

import io.controlwatch.alerting.persistence.ControlEntity;
import io.controlwatch.common.api.Problem;
import io.controlwatch.common.api.ProblemException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.core.Response;

/**
 * The check every endpoint filtering by control makes first: an unknown control id is a 404, never an empty answer
 * that reads as "no failures", "no findings" or "no executions". Needs the caller's Hibernate Reactive session.
 */
final class KnownControls {

    private KnownControls() {
    }

    /** Completes when the control is known, or when none is named (null); else fails with a 404 problem. */
    static Uni<Void> require(String control) {
        if (control == null) {
            return Uni.createFrom().voidItem();
        }
        return ControlEntity.<ControlEntity>findById(control).map(c -> {
            if (c == null) {
                throw new ProblemException(Problem.of(Response.Status.NOT_FOUND, "unknown-control", "Unknown control",
                        "No control '" + control + "' is known (GET /api/v1/controls lists them)."));
            }
            return null;
        }).replaceWithVoid();
    }
}
