package io.controlwatch.sources.okta;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.sources.AdapterLimits;
import io.controlwatch.sources.AdapterOutcome;
import io.controlwatch.sources.AdapterStateStore;
import io.controlwatch.sources.Delivery;
import io.controlwatch.sources.SourceAdapter;
import io.controlwatch.sources.SourceKind;
import io.controlwatch.sources.internal.BoundedJson;
import io.controlwatch.sources.internal.EventFactory;
import io.controlwatch.sources.internal.Fields;
import io.controlwatch.sources.internal.Options;

import java.time.Duration;
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
 * Okta System Log events to ControlWatch events. Takes an event hook delivery ({@code data.events[]}), a System Log
 * API page (a JSON array of LogEvents) or one LogEvent. Ids are {@code okta:<uuid>} (Okta delivers at least once and
 * documents the uuid as the way to detect duplicates). Only events whose outcome is SUCCESS change anything, except
 * sign-ins, whose failures are login attempts.
 *
 * <p>Multi-factor sign-in: Okta logs the session start ({@code user.session.start}) and each factor verification
 * ({@code user.authentication.auth_via_mfa}) as separate events. A session start counts as MFA when Okta names a
 * non-password authenticator among its targets (Identity Engine) or when a successful second-factor verification
 * of the same session ({@code authenticationContext.externalSessionId}) was seen in this or an earlier delivery; the
 * adapter remembers those for 12 hours. Table and limits: docs/sources/okta.md.
 */
public final class OktaAdapter implements SourceAdapter {

    static final Map<String, Options.Type> OPTIONS = new LinkedHashMap<>();

    static {
        OPTIONS.put("orgUrl", Options.Type.STRING);
        OPTIONS.put("privilegedGroups", Options.Type.STRING_LIST);
    }

    static final Duration SESSION_TTL = Duration.ofHours(12);
    private static final Set<String> PRIMARY_FACTORS = Set.of("password", "okta_password", "password_as_factor");

    private final AdapterLimits limits;
    private final BoundedJson json;
    private final AdapterStateStore state;

    public OktaAdapter(AdapterLimits limits, AdapterStateStore state) {
        this.limits = limits;
        this.json = new BoundedJson(limits);
        this.state = state;
    }

    @Override
    public SourceKind kind() {
        return SourceKind.OKTA;
    }

    @Override
    public List<String> validateOptions(JsonNode options) {
        return Options.problems(options, OPTIONS);
    }

    @Override
    public AdapterOutcome map(Delivery delivery) {
        JsonNode body;
        try {
            body = json.parse(delivery.body());
        } catch (BoundedJson.BadJson e) {
            return new AdapterOutcome.Malformed(e.getMessage());
        }
        JsonNode list;
        String source;
        Options options = new Options(delivery.source().options());
        if (body.isObject() && body.has("data")) {
            list = body.path("data").path("events");
            source = options.string("orgUrl").or(() -> orgOf(Fields.text(body, "source"))).orElse(delivery.source().fallbackEventSource());
        } else if (body.isArray()) {
            list = body;
            source = options.string("orgUrl").orElse(delivery.source().fallbackEventSource());
        } else if (body.isObject() && body.has("eventType") && body.has("uuid")) {
            list = JsonNodeFactory.instance.arrayNode().add(body);
            source = options.string("orgUrl").orElse(delivery.source().fallbackEventSource());
        } else {
            return new AdapterOutcome.Malformed("not an Okta event hook delivery (data.events), System Log page or LogEvent");
        }
        if (!list.isArray()) {
            return new AdapterOutcome.Malformed("data.events must be an array");
        }
        if (list.size() > limits.maxVendorEvents()) {
            return new AdapterOutcome.Malformed("the delivery holds " + list.size() + " events, more than the "
                    + limits.maxVendorEvents() + " accepted");
        }
        for (JsonNode event : list) {
            if (!event.isObject() || Fields.text(event, "uuid").isEmpty() || Fields.text(event, "eventType").isEmpty()
                    || Fields.instant(event, "published").isEmpty()) {
                return new AdapterOutcome.Malformed("every Okta LogEvent needs uuid, eventType and an RFC 3339 published");
            }
        }
        Mapping mapping = new Mapping(delivery, source, options);
        // second-factor verifications first: a delivery often batches them with the session start they belong to
        for (JsonNode event : list) {
            if (Fields.text(event, "eventType").orElse("").equals("user.authentication.auth_via_mfa")) {
                mapping.rememberSecondFactor(event);
            }
        }
        List<ObjectNode> events = new ArrayList<>();
        int skipped = 0;
        String unsupported = null;
        for (JsonNode event : list) {
            String type = Fields.text(event, "eventType").orElse("");
            Optional<List<ObjectNode>> mapped = mapping.map(event, type);
            if (mapped.isEmpty()) {
                skipped++;
                unsupported = unsupported == null ? type : unsupported;
            } else if (mapped.get().isEmpty()) {
                skipped++;
            } else {
                events.addAll(EventFactory.numbered(EventFactory.id("okta", Fields.text(event, "uuid").orElseThrow()), mapped.get()));
            }
        }
        if (list.size() == 1 && unsupported != null) {
            return new AdapterOutcome.Unsupported("okta:" + (unsupported.length() > 100 ? unsupported.substring(0, 100) : unsupported));
        }
        return new AdapterOutcome.Mapped(events, skipped);
    }

    /** {@code https://example.okta.com} from the hook's {@code source} ({@code https://example.okta.com/api/v1/eventHooks/…}). */
    static Optional<String> orgOf(Optional<String> hookSource) {
        return hookSource.filter(s -> s.startsWith("https://")).map(s -> {
            int path = s.indexOf('/', "https://".length());
            return path < 0 ? s : s.substring(0, path);
        }).filter(s -> s.length() <= 200);
    }

    private final class Mapping {
        final Delivery delivery;
        final String source;
        final Set<String> privilegedGroups;

        Mapping(Delivery delivery, String source, Options options) {
            this.delivery = delivery;
            this.source = source;
            this.privilegedGroups = Options.lower(options.list("privilegedGroups", List.of()));
        }

        /** Empty: an event type this adapter does not map. An empty list: a mapped type with nothing to say. */
        Optional<List<ObjectNode>> map(JsonNode e, String type) {
            String result = Fields.text(e, "outcome.result").orElse("");
            boolean success = result.equals("SUCCESS");
            switch (type) {
                case "user.session.start":
                    return Optional.of(sessionStart(e, result));
                case "user.authentication.auth_via_mfa":
                    // successes were remembered for the session start; a failed factor is a failed login attempt
                    return Optional.of(result.equals("FAILURE") ? failedFactor(e) : List.of());
                case "user.mfa.factor.deactivate":
                case "user.mfa.factor.reset_all":
                    return Optional.of(success ? factorRemoved(e, type.endsWith("reset_all")) : List.of());
                case "user.lifecycle.create":
                    return Optional.of(success ? targetUser(e).map(user -> List.of(event(e, "iam.account.created", user,
                            data -> data.put("user", user).put("system", "okta").put("actor", actor(e))))).orElse(List.of()) : List.of());
                case "user.lifecycle.deactivate":
                case "user.lifecycle.suspend":
                case "user.lifecycle.delete.initiated":
                    return Optional.of(success ? targetUser(e).map(user -> List.of(event(e, "iam.account.disabled", user,
                            data -> data.put("user", user).put("system", "okta").put("actor", actor(e))
                                    .put("reason", type.substring("user.lifecycle.".length()))))).orElse(List.of()) : List.of());
                case "user.account.privilege.grant":
                    return Optional.of(success ? privilegeGrant(e) : List.of());
                case "group.user_membership.add":
                    return Optional.of(success ? groupMembership(e) : List.of());
                default:
                    return Optional.empty();
            }
        }

        private List<ObjectNode> sessionStart(JsonNode e, String result) {
            if (!result.equals("SUCCESS") && !result.equals("FAILURE")) {
                return List.of();
            }
            String user = actor(e);
            boolean success = result.equals("SUCCESS");
            Optional<String> factor = success ? secondFactorOf(e) : Optional.empty();
            return List.of(event(e, "auth.login", user, data -> {
                data.put("user", user).put("outcome", success ? "success" : "failure");
                if (success) {
                    data.put("mfa", factor.isPresent());
                    factor.ifPresent(f -> data.put("factor", f));
                }
                Fields.text(e, "client.ipAddress").ifPresent(ip -> data.put("ip", ip));
                data.put("app", "okta");
                Fields.text(e, "outcome.reason").ifPresent(reason -> data.put("reason", reason));
            }));
        }

        /** The second factor of a session start: a non-password authenticator target, or a remembered verification. */
        private Optional<String> secondFactorOf(JsonNode e) {
            for (JsonNode target : e.path("target")) {
                if ("AuthenticatorEnrollment".equals(Fields.text(target, "type").orElse(""))) {
                    Optional<String> name = Fields.text(target, "displayName");
                    if (name.isPresent() && !PRIMARY_FACTORS.contains(name.get().toLowerCase(Locale.ROOT))) {
                        return name;
                    }
                }
            }
            return sessionKey(e).flatMap(state::get).flatMap(v -> Fields.text(v, "factor"));
        }

        void rememberSecondFactor(JsonNode e) {
            if (!"SUCCESS".equals(Fields.text(e, "outcome.result").orElse(""))) {
                return;
            }
            String factor = factorOf(e).map(f -> f.length() > 100 ? f.substring(0, 100) : f).orElse("unknown");
            if (PRIMARY_FACTORS.contains(factor.toLowerCase(Locale.ROOT))) {
                return; // Identity Engine logs the password verification with this event type too
            }
            sessionKey(e).ifPresent(key -> state.put(key, JsonNodeFactory.instance.objectNode().put("factor", factor), SESSION_TTL));
        }

        private Optional<String> sessionKey(JsonNode e) {
            return Fields.text(e, "authenticationContext.externalSessionId").filter(id -> id.length() <= 200 && !id.equals("unknown"))
                    .map(id -> delivery.source().id() + "/okta/session/" + id);
        }

        private Optional<String> factorOf(JsonNode e) {
            Optional<String> factor = Fields.text(e, "debugContext.debugData.factor");
            if (factor.isPresent()) {
                return factor;
            }
            for (JsonNode target : e.path("target")) {
                if ("AuthenticatorEnrollment".equals(Fields.text(target, "type").orElse(""))) {
                    return Fields.text(target, "displayName");
                }
            }
            return Optional.empty();
        }

        private List<ObjectNode> failedFactor(JsonNode e) {
            String user = actor(e);
            return List.of(event(e, "auth.login", user, data -> {
                data.put("user", user).put("outcome", "failure");
                factorOf(e).ifPresent(f -> data.put("factor", f));
                Fields.text(e, "client.ipAddress").ifPresent(ip -> data.put("ip", ip));
                data.put("app", "okta");
                Fields.text(e, "outcome.reason").ifPresent(reason -> data.put("reason", reason));
            }));
        }

        private List<ObjectNode> factorRemoved(JsonNode e, boolean all) {
            Optional<String> user = targetUser(e);
            if (user.isEmpty()) {
                return List.of();
            }
            return List.of(event(e, "iam.mfa_device.removed", user.get(), data -> {
                data.put("user", user.get()).put("actor", actor(e));
                if (all) {
                    data.put("deviceType", "all").put("remainingDevices", 0);
                } else {
                    deviceType(e).ifPresent(type -> data.put("deviceType", type));
                }
            }));
        }

        /** The factor type from the reason Okta gives ("User reset FIDO_WEBAUTHN factor") or the debug data. */
        private Optional<String> deviceType(JsonNode e) {
            String text = (Fields.text(e, "outcome.reason").orElse("") + " " + Fields.text(e, "debugContext.debugData.factor").orElse(""))
                    .toUpperCase(Locale.ROOT);
            if (text.contains("WEBAUTHN") || text.contains("U2F")) {
                return Optional.of("webauthn");
            }
            if (text.contains("PUSH") || text.contains("OKTA_VERIFY")) {
                return Optional.of("push");
            }
            if (text.contains("SMS") || text.contains("CALL")) {
                return Optional.of("sms");
            }
            if (text.contains("TOTP") || text.contains("GOOGLE_AUTHENTICATOR") || text.contains("OTP")) {
                return Optional.of("totp");
            }
            return Optional.empty();
        }

        private List<ObjectNode> privilegeGrant(JsonNode e) {
            Optional<String> user = targetUser(e);
            if (user.isEmpty()) {
                return List.of();
            }
            List<String> roles = new ArrayList<>();
            for (JsonNode target : e.path("target")) {
                if ("ROLE".equals(Fields.text(target, "type").orElse(""))) {
                    Fields.text(target, "displayName").ifPresent(roles::add);
                }
            }
            if (roles.isEmpty()) {
                // Classic orgs name the privileges (all of them, not only the new one) in the debug data
                Fields.text(e, "debugContext.debugData.privilegeGranted").ifPresent(roles::add);
            }
            List<ObjectNode> events = new ArrayList<>();
            for (String role : roles.subList(0, Math.min(roles.size(), 50))) {
                events.add(event(e, "iam.role.granted", user.get(), data -> data.put("principal", user.get()).put("role", role)
                        .put("system", "okta").put("privileged", true).put("actor", actor(e))));
            }
            return events;
        }

        private List<ObjectNode> groupMembership(JsonNode e) {
            Optional<String> user = targetUser(e);
            Optional<String> group = Optional.empty();
            for (JsonNode target : e.path("target")) {
                if ("UserGroup".equals(Fields.text(target, "type").orElse(""))) {
                    group = Fields.text(target, "displayName");
                }
            }
            if (user.isEmpty() || group.isEmpty()) {
                return List.of();
            }
            String groupName = group.get();
            return List.of(event(e, "iam.role.granted", user.get(), data -> data.put("principal", user.get())
                    .put("role", "group:" + groupName).put("system", "okta")
                    .put("privileged", privilegedGroups.contains(groupName.toLowerCase(Locale.ROOT))).put("actor", actor(e))));
        }

        private Optional<String> targetUser(JsonNode e) {
            for (JsonNode target : e.path("target")) {
                if ("User".equals(Fields.text(target, "type").orElse(""))) {
                    return Fields.text(target, "alternateId").map(Fields::person);
                }
            }
            return Optional.empty();
        }

        private String actor(JsonNode e) {
            return Fields.text(e, "actor.alternateId").map(Fields::person).orElse("unknown");
        }

        private ObjectNode event(JsonNode e, String type, String subject, Consumer<ObjectNode> fill) {
            ObjectNode data = EventFactory.data();
            fill.accept(data);
            Instant time = Fields.instant(e, "published").orElse(delivery.receivedAt());
            return EventFactory.event("", source, type, subject, time, data);
        }
    }
}
