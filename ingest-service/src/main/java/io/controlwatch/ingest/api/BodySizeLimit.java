package io.controlwatch.ingest.api;

import io.controlwatch.common.api.Problem;
import io.controlwatch.ingest.config.IngestConfig;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.Optional;

/**
 * Refuses an oversized body from its Content-Length before reading it, with a problem+json 413. Bodies without
 * a length (chunked) are checked after reading, in {@link EventResource}; the HTTP layer's own hard limit
 * ({@code quarkus.http.limits.max-body-size}) stops anything larger still.
 */
public class BodySizeLimit {

    private final IngestConfig config;

    public BodySizeLimit(IngestConfig config) {
        this.config = config;
    }

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> refuseOversizedBody(ContainerRequestContext request) {
        String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (length == null) {
            return Optional.empty();
        }
        try {
            if (Long.parseLong(length.trim()) <= config.maxBodyBytes()) {
                return Optional.empty();
            }
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        return Optional.of(Problem.of(Response.Status.REQUEST_ENTITY_TOO_LARGE, "payload-too-large", "Payload too large",
                "The request body exceeds " + config.maxBodyBytes() + " bytes; split the batch.").toResponseBuilder().build());
    }
}
