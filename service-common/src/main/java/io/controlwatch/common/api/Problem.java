package io.controlwatch.common.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.core.Response;

import java.util.List;

/**
 * An RFC 9457 problem detail, the body of every error answer. {@code type} is stable and documented in
 * {@code docs/api.md}; {@code detail} is for people; {@code errors} points at each offending field.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(String type, String title, int status, String detail, List<FieldError> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";
    private static final String TYPE_PREFIX = "urn:controlwatch:problem:";

    /**
     * One offending field.
     *
     * @param index position of the event in a batch, null for a single event or a query parameter
     * @param field attribute or parameter name (or the control id, for a control pack)
     * @param line  line in an uploaded document (a control pack), if known
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FieldError(Integer index, String field, Integer line, String message) {
        public FieldError(Integer index, String field, String message) {
            this(index, field, null, message);
        }
    }

    public static Problem of(Response.Status status, String slug, String title, String detail) {
        return new Problem(TYPE_PREFIX + slug, title, status.getStatusCode(), detail, List.of());
    }

    public Problem withErrors(List<FieldError> fieldErrors) {
        return new Problem(type, title, status, detail, List.copyOf(fieldErrors));
    }

    public Response.ResponseBuilder toResponseBuilder() {
        return Response.status(status).type(MEDIA_TYPE).entity(this);
    }
}
