package io.controlwatch.console.service;

import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;

import io.controlwatch.console.logging.ConsoleLogging;

import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;

/**
 * One call of the alerting (or ingest) API whose refusal is a message for the page, never a 5xx of the console: a 403 says the
 * role may not, a 404 or 409 says what the API said (its problem's detail).
 */
public final class ApiCall {

    /** A refused or failed call, as the page shows it. */
    public static final class Refused extends RuntimeException {
        public final int status;

        public Refused(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private ApiCall() {
    }

    /** A call of the alerting API. */
    public static JsonNode run(String what, String user, Supplier<JsonNode> call) {
        return run(Service.ALERTING, what, user, call);
    }

    /** The services the console reads through, as operators and users call them. */
    public enum Service {
        ALERTING("alerting"), INGEST("ingest");

        final String label;

        Service(String label) {
            this.label = label;
        }
    }

    public static JsonNode run(Service service, String what, String user, Supplier<JsonNode> call) {
        try {
            return call.get();
        } catch (WebApplicationException e) {
            int status = e.getResponse().getStatus();
            ConsoleLogging.LOG.apiRefused(service.label, status, what, user);
            String detail = null;
            try {
                JsonNode problem = e.getResponse().readEntity(JsonNode.class);
                detail = problem.path("detail").asText(problem.path("title").asText(null));
            } catch (RuntimeException ignored) {
                // no problem body: the status says enough
            }
            throw new Refused(status, switch (status) {
                case 401 -> "Your session is no longer accepted by the API; sign in again.";
                case 403 -> "Your role may not " + what + ".";
                default -> detail != null ? detail : "The API refused to " + what + " (" + status + ").";
            });
        } catch (ProcessingException e) {
            ConsoleLogging.LOG.apiUnreachable(service.label, what, String.valueOf(e.getMessage()));
            throw new Refused(503, "The " + service.label + " service cannot be reached right now.");
        }
    }
}
