package io.controlwatch.common.api;

import jakarta.ws.rs.core.Response;

/** Thrown by services to answer with a problem; mapped once by {@link ProblemMappers}. */
public class ProblemException extends RuntimeException {

    private final Problem problem;
    private final transient java.util.Map<String, String> headers;

    public ProblemException(Problem problem) {
        this(problem, java.util.Map.of());
    }

    public ProblemException(Problem problem, java.util.Map<String, String> headers) {
        super(problem.title() + ": " + problem.detail(), null, false, false);
        this.problem = problem;
        this.headers = headers;
    }

    public static ProblemException badRequest(String slug, String title, String detail) {
        return new ProblemException(Problem.of(Response.Status.BAD_REQUEST, slug, title, detail));
    }

    public Problem problem() {
        return problem;
    }

    public java.util.Map<String, String> headers() {
        return headers;
    }
}
