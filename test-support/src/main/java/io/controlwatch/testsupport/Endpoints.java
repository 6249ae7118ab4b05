package io.controlwatch.testsupport;

import org.jboss.jandex.AnnotationInstance;
import org.jboss.jandex.ClassInfo;
import org.jboss.jandex.DotName;
import org.jboss.jandex.Index;
import org.jboss.jandex.Indexer;
import org.jboss.jandex.MethodInfo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The HTTP endpoints a service declares, read from its compiled JAX-RS resources (with Jandex, without loading the
 * classes): what a test of "every endpoint" iterates, so that an endpoint added later is covered or the build fails.
 */
public final class Endpoints {

    /**
     * One endpoint: method and path template, the roles its annotations allow (empty for {@code @PermitAll}) and the
     * first media type it consumes (null when it declares none).
     */
    public record Endpoint(String method, String path, Set<String> roles, boolean permitAll, String consumes,
                           Set<String> queryParameters) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    private static final DotName PATH = DotName.createSimple("jakarta.ws.rs.Path");
    private static final DotName ROLES = DotName.createSimple("jakarta.annotation.security.RolesAllowed");
    private static final DotName CONSUMES = DotName.createSimple("jakarta.ws.rs.Consumes");
    private static final DotName QUERY_PARAM = DotName.createSimple("jakarta.ws.rs.QueryParam");
    private static final DotName PERMIT = DotName.createSimple("jakarta.annotation.security.PermitAll");
    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "PATCH");

    private Endpoints() {
    }

    /** Every endpoint of the resources compiled into {@code classesDirectory} (e.g. a module's target/classes). */
    public static List<Endpoint> of(Path classesDirectory) {
        Index index = index(classesDirectory);
        List<Endpoint> endpoints = new ArrayList<>();
        for (ClassInfo resource : index.getKnownClasses()) {
            AnnotationInstance classPath = resource.declaredAnnotation(PATH);
            if (classPath == null) {
                continue;
            }
            for (MethodInfo method : resource.methods()) {
                String verb = verb(method);
                if (verb == null) {
                    continue;
                }
                AnnotationInstance methodPath = method.annotation(PATH);
                String path = join(classPath.value().asString(), methodPath == null ? "" : methodPath.value().asString());
                AnnotationInstance roles = method.declaredAnnotation(ROLES) != null ? method.declaredAnnotation(ROLES)
                        : resource.declaredAnnotation(ROLES);
                boolean permitAll = method.declaredAnnotation(PERMIT) != null
                        || (roles == null && resource.declaredAnnotation(PERMIT) != null);
                Set<String> allowed = new TreeSet<>();
                if (roles != null && !permitAll) {
                    allowed.addAll(Arrays.asList(roles.value().asStringArray()));
                }
                AnnotationInstance consumes = method.declaredAnnotation(CONSUMES) != null ? method.declaredAnnotation(CONSUMES)
                        : resource.declaredAnnotation(CONSUMES);
                String mediaType = consumes == null ? null : consumes.value().asStringArray()[0];
                Set<String> query = new TreeSet<>();
                for (AnnotationInstance q : method.annotations(QUERY_PARAM)) {
                    query.add(q.value().asString());
                }
                endpoints.add(new Endpoint(verb, path, allowed, permitAll, mediaType, query));
            }
        }
        endpoints.sort((a, b) -> (a.path() + a.method()).compareTo(b.path() + b.method()));
        return endpoints;
    }

    private static String verb(MethodInfo method) {
        for (String verb : METHODS) {
            if (method.declaredAnnotation(DotName.createSimple("jakarta.ws.rs." + verb)) != null) {
                return verb;
            }
        }
        return null;
    }

    private static String join(String a, String b) {
        String path = ("/" + a + "/" + b).replaceAll("/+", "/");
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private static Index index(Path directory) {
        Indexer indexer = new Indexer();
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                try (InputStream in = Files.newInputStream(file)) {
                    indexer.index(in);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot index " + directory, e);
        }
        return indexer.complete();
    }
}
