package io.controlwatch.alerting.api;

import io.controlwatch.alerting.service.access.AccessDetails;
import io.controlwatch.alerting.service.access.AccessLog;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ResourceInfo;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import java.lang.reflect.Method;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.time.format.DateTimeParseException;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Records every authenticated read of the API and every export request in the {@link AccessLog}, once its answer is
 * known (including refusals: a 403 or 404 is an attempt to read). Only queues the access: the request never waits
 * for the database.
 */
public class AccessLogFilter {

    private static final int MAX_TEXT = 2000;
    /**
     * A principal is indexed: a b-tree entry holds at most ~2,700 bytes, and one access PostgreSQL refuses would hold
     * back every access queued after it. 256 characters are at most 1,024 bytes.
     */
    private static final int MAX_PRINCIPAL = 256;

    private final AccessLog log;
    private final AccessDetails details;
    private final CurrentVertxRequest current;
    private final Clock clock;
    private final Map<Method, String> routes = new ConcurrentHashMap<>();

    public AccessLogFilter(AccessLog log, AccessDetails details, CurrentVertxRequest current, Clock clock) {
        this.log = log;
        this.details = details;
        this.current = current;
        this.clock = clock;
    }

    @ServerResponseFilter
    public void record(ContainerRequestContext request, ContainerResponseContext response, ResourceInfo resource) {
        String method = request.getMethod();
        String path = request.getUriInfo().getRequestUri().getPath();
        if (!path.startsWith("/api/v1/")) {
            return;
        }
        String route = route(resource, path);
        if (!("GET".equals(method) || ("POST".equals(method) && route.equals("/api/v1/exports")))) {
            return;
        }
        SecurityIdentity identity = identity();
        if (identity == null || identity.isAnonymous()) {
            return; // 401: nobody to record
        }
        String principal = identity.getPrincipal() instanceof JsonWebToken jwt && jwt.getSubject() != null
                ? jwt.getSubject() : identity.getPrincipal().getName();
        Instant from = details.from() != null ? details.from() : instant(request.getUriInfo().getQueryParameters().getFirst("from"));
        Instant to = details.to() != null ? details.to() : instant(request.getUriInfo().getQueryParameters().getFirst("to"));
        String query = request.getUriInfo().getRequestUri().getRawQuery();
        log.record(new AccessLog.Access(UUID.randomUUID(), clock.instant().truncatedTo(ChronoUnit.MICROS),
                clean(principal, MAX_PRINCIPAL),
                identity.getRoles().stream().sorted().map(r -> clean(r, MAX_PRINCIPAL)).toList(), method, clean(route),
                clean(path), clean(query), from, to, response.getStatus(), details.rows()));
    }

    private SecurityIdentity identity() {
        RoutingContext rc = current.getCurrent();
        // the identity as authenticated for this request, without triggering an authentication of our own
        return rc != null && rc.user() instanceof QuarkusHttpUser user ? user.getSecurityIdentity() : null;
    }

    /** The path template of the matched resource method, e.g. /api/v1/exports/{id}; the raw path if none matched. */
    private String route(ResourceInfo resource, String path) {
        Method m = resource == null ? null : resource.getResourceMethod();
        if (m == null) {
            return path;
        }
        return routes.computeIfAbsent(m, method -> {
            Path type = resource.getResourceClass().getAnnotation(Path.class);
            Path sub = method.getAnnotation(Path.class);
            String base = type == null ? "" : type.value();
            String rest = sub == null ? "" : (sub.value().startsWith("/") ? sub.value() : "/" + sub.value());
            return base + rest;
        });
    }

    private static Instant instant(String value) {
        try {
            return value == null ? null : Instant.parse(value);
        } catch (DateTimeParseException e) {
            return null; // the resource refused it (400); the raw query keeps what was asked
        }
    }

    /** Text as PostgreSQL stores it (no NUL) and bounded. */
    private static String clean(String s) {
        return clean(s, MAX_TEXT);
    }

    private static String clean(String s, int max) {
        if (s == null) {
            return null;
        }
        String t = s.indexOf('\0') < 0 ? s : s.replace("\0", "");
        return t.length() > max ? t.substring(0, max) : t;
    }

}
