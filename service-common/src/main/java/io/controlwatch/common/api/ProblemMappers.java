package io.controlwatch.common.api;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import io.controlwatch.common.logging.CommonLogging;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.UUID;

/**
 * The one place where failures become HTTP answers: every error is {@code application/problem+json}, with no
 * stack trace or class name in the body. Authentication is lazy ({@code quarkus.http.auth.proactive=false}) so
 * that 401/403 come through here as well.
 */
public class ProblemMappers {

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        Response.ResponseBuilder response = e.problem().toResponseBuilder();
        e.headers().forEach(response::header);
        return response.build();
    }

    @ServerExceptionMapper({UnauthorizedException.class, AuthenticationFailedException.class})
    public Response unauthenticated(RuntimeException e) {
        String detail = e instanceof AuthenticationFailedException
                ? "The bearer token is invalid, expired or not signed by a trusted key."
                : "This endpoint needs a bearer token (Authorization: Bearer <JWT>).";
        return Problem.of(Response.Status.UNAUTHORIZED, "unauthenticated", "Authentication required", detail)
                .toResponseBuilder()
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return Problem.of(Response.Status.FORBIDDEN, "forbidden", "Forbidden",
                "The token's roles do not allow this operation.").toResponseBuilder().build();
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e) {
        Response.StatusType status = e.getResponse().getStatusInfo();
        String slug = switch (status.getStatusCode()) {
            case 404 -> "not-found";
            case 405 -> "method-not-allowed";
            case 406 -> "not-acceptable";
            case 413 -> "payload-too-large";
            case 415 -> "unsupported-media-type";
            default -> "http-" + status.getStatusCode();
        };
        String detail = status.getStatusCode() == 415
                ? "Unsupported Content-Type; see the endpoint's documentation for the accepted media types."
                : status.getReasonPhrase();
        return new Problem("urn:controlwatch:problem:" + slug, status.getReasonPhrase(), status.getStatusCode(),
                detail, java.util.List.of()).toResponseBuilder().build();
    }

    /**
     * A body that could not be read is the client's problem, not a server error: the HTTP layer's hard size limit
     * (a chunked body without Content-Length over quarkus.http.limits.max-body-size) or a connection cut mid-body.
     */
    @ServerExceptionMapper
    public Response unreadableBody(java.io.IOException e) {
        if ("Request too large".equals(e.getMessage())) {
            return Problem.of(Response.Status.REQUEST_ENTITY_TOO_LARGE, "payload-too-large", "Payload too large",
                    "The request body exceeds the size this endpoint accepts.").toResponseBuilder().build();
        }
        return Problem.of(Response.Status.BAD_REQUEST, "unreadable-body", "Unreadable body",
                "The request body could not be read to its end.").toResponseBuilder().build();
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        // The id ties the answer to the log line without leaking internals to the caller.
        String incident = UUID.randomUUID().toString();
        CommonLogging.LOG.unexpectedError(incident, e);
        return Problem.of(Response.Status.INTERNAL_SERVER_ERROR, "internal-error", "Internal error",
                "Unexpected error; quote incident " + incident + " to the operators.").toResponseBuilder().build();
    }
}
