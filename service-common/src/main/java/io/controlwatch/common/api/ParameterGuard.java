package io.controlwatch.common.api;

import io.controlwatch.common.config.HttpLimits;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Refuses, for every endpoint of every service, query parameters the endpoint does not declare (a typo such as
 * {@code contrl=} would otherwise silently return an unfiltered list) and parameter values that no endpoint needs:
 * control characters (a NUL made a database query fail with 500), over-long values, too many repetitions. Each is a
 * 400 naming the parameter. Runs after matching, so it knows the endpoint, and after the security check, so an
 * unauthenticated caller learns nothing about parameters.
 */
public class ParameterGuard {

    private final HttpLimits limits;
    private final Map<Method, Set<String>> declared = new ConcurrentHashMap<>();

    public ParameterGuard(HttpLimits limits) {
        this.limits = limits;
    }

    @ServerRequestFilter
    public Optional<Response> check(ContainerRequestContext request, ResourceInfo resource) {
        Method method = resource.getResourceMethod();
        if (method == null) {
            return Optional.empty();
        }
        Set<String> allowed = declared.computeIfAbsent(method, ParameterGuard::queryParameters);
        List<Problem.FieldError> errors = new ArrayList<>();
        MultivaluedMap<String, String> query = request.getUriInfo().getQueryParameters();
        Set<String> unknown = new TreeSet<>();
        for (Map.Entry<String, List<String>> parameter : query.entrySet()) {
            String name = parameter.getKey();
            if (!allowed.contains(name)) {
                unknown.add(printable(name));
                continue;
            }
            if (parameter.getValue().size() > limits.maxParameterValues()) {
                errors.add(new Problem.FieldError(null, name, "is repeated more than " + limits.maxParameterValues() + " times"));
            }
            parameter.getValue().forEach(value -> checkValue(name, value, errors));
        }
        for (Map.Entry<String, List<String>> parameter : request.getUriInfo().getPathParameters().entrySet()) {
            parameter.getValue().forEach(value -> checkValue(parameter.getKey(), value, errors));
        }
        unknown.forEach(name -> errors.add(new Problem.FieldError(null, name, "is not a parameter of this endpoint"
                + (allowed.isEmpty() ? " (it takes none)" : " (it takes " + String.join(", ", new TreeSet<>(allowed)) + ")"))));
        if (errors.isEmpty()) {
            return Optional.empty();
        }
        String detail = unknown.isEmpty() ? "Some parameters are not acceptable; see errors."
                : "Unknown query parameter" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown) + "; see errors.";
        return Optional.of(Problem.of(Response.Status.BAD_REQUEST, "invalid-parameter", "Invalid query parameter", detail)
                .withErrors(errors.subList(0, Math.min(errors.size(), 100))).toResponseBuilder().build());
    }

    private void checkValue(String name, String value, List<Problem.FieldError> errors) {
        if (value.length() > limits.maxParameterLength()) {
            errors.add(new Problem.FieldError(null, name, "must be at most " + limits.maxParameterLength() + " characters"));
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                errors.add(new Problem.FieldError(null, name, "must not contain control characters"));
                return;
            }
        }
    }

    private static Set<String> queryParameters(Method method) {
        Set<String> names = new TreeSet<>();
        for (Parameter parameter : method.getParameters()) {
            for (Annotation annotation : parameter.getAnnotations()) {
                if (annotation instanceof QueryParam q) {
                    names.add(q.value());
                } else if (annotation instanceof RestQuery q) {
                    names.add(q.value().isEmpty() ? parameter.getName() : q.value());
                }
            }
        }
        return Set.copyOf(names);
    }

    private static String printable(String name) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < name.length() && out.length() < 64; i++) {
            char c = name.charAt(i);
            out.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return out.toString();
    }
}
