package io.controlwatch.sources.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.sources.AdapterLimits;
import io.controlwatch.sources.AdapterOutcome;
import io.controlwatch.sources.Delivery;
import io.controlwatch.sources.SourceAdapter;
import io.controlwatch.sources.SourceKind;
import io.controlwatch.sources.internal.BoundedJson;
import io.controlwatch.sources.internal.EventFactory;
import io.controlwatch.sources.internal.Fields;
import io.controlwatch.sources.internal.Globs;
import io.controlwatch.sources.internal.Options;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Kubernetes audit events ({@code audit.k8s.io/v1}) to ControlWatch events. Takes what the kube-apiserver's audit
 * webhook backend POSTs (an {@code EventList}), single {@code Event}s and JSON lines of them (the log backend's format,
 * as forwarders send it). One request is logged at several stages with the same {@code auditID}; only the stage that
 * carries the outcome is mapped ({@code ResponseComplete}, and {@code ResponseStarted} for exec/attach, whose response
 * is a long-running stream), and ids are {@code k8s:<auditID>}, so two stages of one request are still one event.
 * Table and limits: docs/sources/kubernetes-audit.md.
 */
public final class KubernetesAuditAdapter implements SourceAdapter {

    static final Map<String, Options.Type> OPTIONS = new LinkedHashMap<>();

    static {
        OPTIONS.put("cluster", Options.Type.STRING);
        OPTIONS.put("privilegedRoles", Options.Type.STRING_LIST);
        OPTIONS.put("expectedSecretReaders", Options.Type.STRING_LIST);
    }

    static final List<String> DEFAULT_PRIVILEGED_ROLES = List.of("cluster-admin", "admin");
    /** The control plane and service accounts read secrets all the time: those reads are not sent by default. */
    static final List<String> DEFAULT_EXPECTED_SECRET_READERS = List.of("system:*");
    private static final Set<String> SESSION_SUBRESOURCES = Set.of("exec", "attach");
    private static final Set<String> READ_VERBS = Set.of("get", "list", "watch");
    private static final Set<String> BINDING_VERBS = Set.of("create", "update", "patch");

    private final AdapterLimits limits;
    private final BoundedJson json;

    public KubernetesAuditAdapter(AdapterLimits limits) {
        this.limits = limits;
        this.json = new BoundedJson(limits);
    }

    @Override
    public SourceKind kind() {
        return SourceKind.KUBERNETES_AUDIT;
    }

    @Override
    public List<String> validateOptions(JsonNode options) {
        return Options.problems(options, OPTIONS);
    }

    @Override
    public AdapterOutcome map(Delivery delivery) {
        List<JsonNode> values;
        try {
            values = json.parseSequence(delivery.body(), limits.maxVendorEvents());
        } catch (BoundedJson.BadJson e) {
            return new AdapterOutcome.Malformed(e.getMessage());
        }
        List<JsonNode> auditEvents = new ArrayList<>();
        for (JsonNode value : values) {
            String kind = Fields.text(value, "kind").orElse("");
            if (kind.equals("EventList")) {
                JsonNode items = value.path("items");
                if (!items.isArray()) {
                    return new AdapterOutcome.Malformed("an EventList needs an items array");
                }
                items.forEach(auditEvents::add);
            } else if (kind.equals("Event") || value.has("auditID")) {
                auditEvents.add(value);
            } else {
                return new AdapterOutcome.Malformed("not a Kubernetes audit payload: expected an EventList or Events");
            }
            if (auditEvents.size() > limits.maxVendorEvents()) {
                return new AdapterOutcome.Malformed("more than " + limits.maxVendorEvents() + " audit events in one payload");
            }
        }
        Options options = new Options(delivery.source().options());
        Mapping mapping = new Mapping(delivery, options);
        List<ObjectNode> events = new ArrayList<>();
        int skipped = 0;
        for (JsonNode auditEvent : auditEvents) {
            if (!auditEvent.isObject() || Fields.text(auditEvent, "auditID").isEmpty()) {
                return new AdapterOutcome.Malformed("every audit event needs an auditID");
            }
            List<ObjectNode> mapped = mapping.map(auditEvent);
            if (mapped.isEmpty()) {
                skipped++;
                continue;
            }
            if (events.size() + mapped.size() > limits.maxEventsOut()) {
                return new AdapterOutcome.Malformed("the payload would yield more than " + limits.maxEventsOut() + " events");
            }
            events.addAll(EventFactory.numbered(EventFactory.id("k8s", Fields.text(auditEvent, "auditID").orElseThrow()), mapped));
        }
        return new AdapterOutcome.Mapped(events, skipped);
    }

    private static final class Mapping {
        final Delivery delivery;
        final String cluster;
        final Set<String> privilegedRoles;
        final List<String> expectedSecretReaders;

        Mapping(Delivery delivery, Options options) {
            this.delivery = delivery;
            this.cluster = options.string("cluster").orElse(delivery.source().id());
            this.privilegedRoles = Set.copyOf(options.list("privilegedRoles", DEFAULT_PRIVILEGED_ROLES));
            this.expectedSecretReaders = options.list("expectedSecretReaders", DEFAULT_EXPECTED_SECRET_READERS);
        }

        List<ObjectNode> map(JsonNode e) {
            String stage = Fields.text(e, "stage").orElse("");
            String resource = Fields.text(e, "objectRef.resource").orElse("");
            String subresource = Fields.text(e, "objectRef.subresource").orElse("");
            boolean session = resource.equals("pods") && SESSION_SUBRESOURCES.contains(subresource);
            if (!stage.equals("ResponseComplete") && !(session && stage.equals("ResponseStarted"))) {
                return List.of(); // RequestReceived has no outcome yet; Panic is the server's problem, not the caller's
            }
            List<ObjectNode> events = new ArrayList<>();
            if (session) {
                podSession(e, subresource).ifPresent(events::add);
            } else if (resource.equals("secrets") && Fields.text(e, "objectRef.apiGroup").orElse("").isEmpty()) {
                secretRead(e).ifPresent(events::add);
            } else if ((resource.equals("clusterrolebindings") || resource.equals("rolebindings"))
                    && "rbac.authorization.k8s.io".equals(Fields.text(e, "objectRef.apiGroup").orElse(""))) {
                events.addAll(binding(e, resource));
            }
            if (anonymous(e)) {
                events.add(anonymousRequest(e));
            }
            return events;
        }

        private Optional<ObjectNode> podSession(JsonNode e, String subresource) {
            Optional<String> namespace = Fields.text(e, "objectRef.namespace");
            Optional<String> pod = Fields.text(e, "objectRef.name");
            if (namespace.isEmpty() || pod.isEmpty()) {
                return Optional.empty();
            }
            String user = user(e);
            Map<String, List<String>> query = query(Fields.text(e, "requestURI").orElse(""));
            return Optional.of(event(e, "kubernetes.pod_session.opened", cluster + "/" + namespace.get() + "/" + pod.get(), data -> {
                data.put("cluster", cluster).put("namespace", namespace.get()).put("pod", pod.get()).put("kind", subresource);
                Optional.ofNullable(query.get("container")).filter(c -> !c.isEmpty()).ifPresent(c -> data.put("container", c.get(0)));
                List<String> command = query.getOrDefault("command", List.of());
                if (!command.isEmpty()) {
                    data.put("command", String.join(" ", command));
                }
                data.put("user", user).put("allowed", allowed(e));
                sourceIp(e).ifPresent(ip -> data.put("sourceIp", ip));
            }));
        }

        private Optional<ObjectNode> secretRead(JsonNode e) {
            String verb = Fields.text(e, "verb").orElse("");
            if (!READ_VERBS.contains(verb)) {
                return Optional.empty();
            }
            String user = user(e);
            if (expectedSecretReaders.stream().anyMatch(pattern -> Globs.matches(pattern.replace("*", "**"), user))) {
                return Optional.empty();
            }
            String namespace = Fields.text(e, "objectRef.namespace").orElse("");
            return Optional.of(event(e, "kubernetes.secret.read", cluster + "/" + (namespace.isEmpty() ? "*" : namespace), data -> {
                data.put("cluster", cluster).put("namespace", namespace.isEmpty() ? "*" : namespace);
                Fields.text(e, "objectRef.name").ifPresent(name -> data.put("name", name));
                data.put("verb", verb).put("user", user).put("allowed", allowed(e));
                Fields.text(e, "userAgent").ifPresent(agent -> data.put("userAgent", agent.length() > 200 ? agent.substring(0, 200) : agent));
                sourceIp(e).ifPresent(ip -> data.put("sourceIp", ip));
            }));
        }

        private List<ObjectNode> binding(JsonNode e, String resource) {
            String verb = Fields.text(e, "verb").orElse("");
            int code = Fields.integer(e, "responseStatus.code").orElse(0);
            if (!BINDING_VERBS.contains(verb) || code < 200 || code >= 300 || !allowed(e)) {
                return List.of();
            }
            // the binding as stored (RequestResponse level), else as requested (Request level; not for patches)
            JsonNode binding = e.path("responseObject").has("roleRef") ? e.path("responseObject")
                    : verb.equals("patch") ? e.path("missing") : e.path("requestObject");
            Optional<String> roleName = Fields.text(binding, "roleRef.name");
            if (roleName.isEmpty() || !binding.path("subjects").isArray()) {
                return List.of(); // logged at Metadata level: the audit policy must log RBAC at Request level or above
            }
            String roleKind = Fields.text(binding, "roleRef.kind").orElse("ClusterRole");
            String namespace = resource.equals("rolebindings") ? Fields.text(binding, "metadata.namespace")
                    .or(() -> Fields.text(e, "objectRef.namespace")).orElse("") : "";
            String actor = user(e);
            List<ObjectNode> events = new ArrayList<>();
            for (JsonNode subject : binding.path("subjects")) {
                Optional<String> principal = principal(subject, namespace);
                if (principal.isEmpty() || events.size() >= 100) {
                    continue;
                }
                events.add(event(e, "iam.role.granted", principal.get(), data -> {
                    data.put("principal", principal.get()).put("role", roleKind + "/" + roleName.get())
                            .put("system", "kubernetes:" + cluster).put("privileged", privilegedRoles.contains(roleName.get()))
                            .put("actor", actor);
                    Fields.text(binding, "metadata.name").or(() -> Fields.text(e, "objectRef.name"))
                            .ifPresent(name -> data.put("binding", name));
                    if (!namespace.isEmpty()) {
                        data.put("namespace", namespace);
                    }
                }));
            }
            return events;
        }

        private static Optional<String> principal(JsonNode subject, String bindingNamespace) {
            Optional<String> name = Fields.text(subject, "name");
            if (name.isEmpty()) {
                return Optional.empty();
            }
            return switch (Fields.text(subject, "kind").orElse("")) {
                case "User" -> Optional.of(Fields.person(name.get()));
                case "Group" -> Optional.of("group:" + name.get());
                case "ServiceAccount" -> Optional.of("system:serviceaccount:"
                        + Fields.text(subject, "namespace").orElse(bindingNamespace) + ":" + name.get());
                default -> Optional.empty();
            };
        }

        private static boolean anonymous(JsonNode e) {
            if ("system:anonymous".equals(Fields.text(e, "user.username").orElse(""))) {
                return true;
            }
            for (JsonNode group : e.path("user").path("groups")) {
                if ("system:unauthenticated".equals(group.asText())) {
                    return true;
                }
            }
            return false;
        }

        private ObjectNode anonymousRequest(JsonNode e) {
            String uri = Fields.text(e, "requestURI").orElse("/");
            String path = uri.indexOf('?') >= 0 ? uri.substring(0, uri.indexOf('?')) : uri;
            String shortPath = path.length() > 500 ? path.substring(0, 500) : path;
            return event(e, "kubernetes.anonymous_request.received", cluster, data -> {
                data.put("cluster", cluster).put("path", shortPath).put("verb", Fields.text(e, "verb").orElse("unknown"))
                        .put("allowed", allowed(e));
                Fields.text(e, "objectRef.resource").ifPresent(r -> data.put("resource", r));
                Fields.text(e, "objectRef.namespace").ifPresent(n -> data.put("namespace", n));
                Fields.integer(e, "responseStatus.code").ifPresent(code -> data.put("statusCode", code));
                sourceIp(e).ifPresent(ip -> data.put("sourceIp", ip));
            });
        }

        /** The authorizer's decision when logged (1.11+), else the response code. */
        private static boolean allowed(JsonNode e) {
            JsonNode annotation = e.path("annotations").path("authorization.k8s.io/decision");
            if (annotation.isTextual()) {
                return annotation.asText().equals("allow");
            }
            int code = Fields.integer(e, "responseStatus.code").orElse(0);
            return code >= 100 && code < 400;
        }

        private static String user(JsonNode e) {
            // an impersonated request acts as the impersonated user; who impersonated is in user
            return Fields.text(e, "impersonatedUser.username").or(() -> Fields.text(e, "user.username"))
                    .map(Fields::person).orElse("unknown");
        }

        private static Optional<String> sourceIp(JsonNode e) {
            JsonNode ips = e.path("sourceIPs");
            return ips.isArray() && !ips.isEmpty() && ips.get(0).isTextual() ? Optional.of(ips.get(0).asText()) : Optional.empty();
        }

        private ObjectNode event(JsonNode e, String type, String subject, Consumer<ObjectNode> fill) {
            ObjectNode data = EventFactory.data();
            fill.accept(data);
            Instant time = Fields.instant(e, "requestReceivedTimestamp").or(() -> Fields.instant(e, "stageTimestamp"))
                    .or(() -> Fields.instant(e, "timestamp")).orElse(delivery.receivedAt());
            return EventFactory.event("", "urn:kubernetes:" + cluster, type, subject, time, data);
        }

        /** The query parameters of a request URI, decoded; repeated names keep every value ({@code command=ls&command=-l}). */
        static Map<String, List<String>> query(String uri) {
            Map<String, List<String>> result = new LinkedHashMap<>();
            int start = uri.indexOf('?');
            if (start < 0) {
                return result;
            }
            int count = 0;
            for (String pair : uri.substring(start + 1).split("&")) {
                if (pair.isEmpty() || ++count > 100) {
                    continue;
                }
                int eq = pair.indexOf('=');
                try {
                    String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                    String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                    result.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(value);
                } catch (IllegalArgumentException malformedEscape) {
                    // a broken %-escape is the client's problem; the parameter is left out
                }
            }
            return result;
        }
    }
}
