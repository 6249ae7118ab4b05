package io.controlwatch.alerting.service.routing;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.controlwatch.model.Severity;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads a notification config from YAML and validates it whole before anything uses it, as control packs are read
 * (control-engine's ControlPackLoader): unknown fields are errors, every receiver a route names must exist, every
 * duration, address, URL and secret is checked, and the first problem is reported with the document, the path, the
 * line and the reason. Format v1 is documented in docs/notifications.md.
 */
public final class NotificationConfigLoader {

    public static final int FORMAT_VERSION = 1;
    /** Bounds, so that a config cannot make routing or the API unbounded. */
    public static final int MAX_DOCUMENT_CHARS = 256 * 1024;
    static final int MAX_RECEIVERS = 50;
    static final int MAX_ROUTES = 200;
    static final int MAX_DEPTH = 10;
    static final int MAX_ADDRESSES = 20;

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Pattern CRITERION = Pattern.compile("(CC[1-9]|A1|PI1|C1|P[1-8])\\.[0-9]{1,2}");
    private static final Pattern ADDRESS = Pattern.compile("[^@\\s<>\"]{1,64}@[A-Za-z0-9.-]{1,253}");
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,6})(ms|s|m|h|d)");

    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    record DocumentSpec(Integer formatVersion, List<ReceiverSpec> receivers, RouteSpec route, LinksSpec links) {
    }

    record ReceiverSpec(String name, WebhookSpec webhook, SlackSpec slack, PagerDutySpec pagerduty, EmailSpec email) {
    }

    record WebhookSpec(String url, List<String> secrets) {
    }

    record SlackSpec(String url) {
    }

    record PagerDutySpec(String routingKey, String url) {
    }

    record EmailSpec(List<String> to, String from) {
    }

    record LinksSpec(String finding) {
    }

    record MatchSpec(List<String> severity, List<String> control, List<String> owner, List<String> criteria,
                     Boolean exempted) {
    }

    record RouteSpec(String receiver, MatchSpec match, List<String> groupBy, String groupWait, String groupInterval,
                     String repeatInterval, @JsonProperty("continue") Boolean continueMatching, String escalation,
                     List<RouteSpec> routes) {
    }

    /** Alertmanager's defaults. */
    static final Duration DEFAULT_GROUP_WAIT = Duration.ofSeconds(30);
    static final Duration DEFAULT_GROUP_INTERVAL = Duration.ofMinutes(5);
    static final Duration DEFAULT_REPEAT_INTERVAL = Duration.ofHours(4);
    static final List<String> DEFAULT_GROUP_BY = List.of("control", "subject");

    private NotificationConfigLoader() {
    }

    /**
     * Parses and validates a document.
     *
     * @param yaml   the document
     * @param source where it came from (a file, {@code api}), used in messages
     */
    public static NotificationConfig parse(String yaml, String source) {
        if (yaml == null || yaml.isBlank()) {
            throw new NotificationConfigException(source, "", 0, "is empty");
        }
        if (yaml.length() > MAX_DOCUMENT_CHARS) {
            throw new NotificationConfigException(source, "", 0, "is longer than " + MAX_DOCUMENT_CHARS + " characters");
        }
        Lines lines = new Lines(yaml);
        DocumentSpec spec;
        try {
            spec = YAML.readValue(yaml, DocumentSpec.class);
        } catch (JsonProcessingException e) {
            // the path's line: Jackson reports some errors (unknown fields of records) where the mapping ends
            String path = pathOf(e);
            int line = path.isEmpty() ? 0 : lines.of(path);
            throw new NotificationConfigException(source, path, line > 0 ? line : lineOf(e), describe(e));
        }
        if (spec == null) {
            throw new NotificationConfigException(source, "", 0, "must be a YAML mapping with 'formatVersion' and 'receivers'");
        }
        Where doc = new Where(source, lines, "");
        if (spec.formatVersion() == null || spec.formatVersion() != FORMAT_VERSION) {
            throw doc.at("formatVersion").error("must be " + FORMAT_VERSION);
        }
        List<ReceiverSpec> receiverSpecs = spec.receivers() == null ? List.of() : spec.receivers();
        if (receiverSpecs.size() > MAX_RECEIVERS) {
            throw doc.at("receivers").error("at most " + MAX_RECEIVERS + " receivers");
        }
        Map<String, Receiver> receivers = new LinkedHashMap<>();
        for (int i = 0; i < receiverSpecs.size(); i++) {
            Where where = doc.at("receivers[" + i + "]");
            Receiver receiver = receiver(receiverSpecs.get(i), where);
            if (receivers.putIfAbsent(receiver.name(), receiver) != null) {
                throw where.error("duplicate receiver name '" + receiver.name() + "'");
            }
        }
        String findingUrl = null;
        if (spec.links() != null && spec.links().finding() != null) {
            findingUrl = spec.links().finding().trim();
            url(findingUrl.replace("{id}", "x"), doc.at("links.finding"));
            if (!findingUrl.contains("{id}")) {
                throw doc.at("links.finding").error("must contain {id}, replaced by the finding id");
            }
        }
        Route root = null;
        if (spec.route() != null) {
            Where where = doc.at("route");
            if (spec.route().match() != null) {
                throw where.at("match").error("the root route matches every finding; put matchers on its 'routes'");
            }
            if (spec.route().continueMatching() != null) {
                throw where.at("continue").error("the root route has no siblings; 'continue' belongs to child routes");
            }
            if (blank(spec.route().receiver())) {
                throw where.at("receiver").error("the root route needs a receiver (the default of every route)");
            }
            int[] count = {0};
            root = route(spec.route(), null, where, receivers, 0, count);
        } else if (!receivers.isEmpty()) {
            throw doc.at("route").error("is required when receivers are defined");
        }
        return new NotificationConfig(Map.copyOf(receivers), root, findingUrl, yaml, sha256(yaml));
    }

    private static Receiver receiver(ReceiverSpec spec, Where where) {
        if (spec == null) {
            throw where.error("must be a mapping with 'name' and one of webhook, slack, pagerduty or email");
        }
        if (blank(spec.name()) || !NAME.matcher(spec.name()).matches()) {
            throw where.at("name").error("must be 1-63 lower-case letters, digits or '-' (e.g. secops-pager)");
        }
        List<String> kinds = new ArrayList<>();
        if (spec.webhook() != null) kinds.add("webhook");
        if (spec.slack() != null) kinds.add("slack");
        if (spec.pagerduty() != null) kinds.add("pagerduty");
        if (spec.email() != null) kinds.add("email");
        if (kinds.size() != 1) {
            throw where.error("a receiver needs exactly one of webhook, slack, pagerduty or email"
                    + (kinds.isEmpty() ? "" : " (found " + String.join(", ", kinds) + ")"));
        }
        String name = spec.name();
        return switch (kinds.get(0)) {
            case "webhook" -> {
                Where w = where.at("webhook");
                URI url = url(spec.webhook().url(), w.at("url"));
                List<String> secrets = spec.webhook().secrets() == null ? List.of() : spec.webhook().secrets();
                if (secrets.isEmpty() || secrets.size() > 2) {
                    throw w.at("secrets").error("must list one secret, or two while rotating (the first signs; both sign)");
                }
                for (int i = 0; i < secrets.size(); i++) {
                    secret(secrets.get(i), w.at("secrets[" + i + "]"));
                }
                yield new Receiver.Webhook(name, url, List.copyOf(secrets));
            }
            case "slack" -> new Receiver.Slack(name, url(spec.slack().url(), where.at("slack.url")));
            case "pagerduty" -> {
                Where p = where.at("pagerduty");
                String key = spec.pagerduty().routingKey();
                if (blank(key) || key.length() > 64 || !key.matches("[A-Za-z0-9_-]+")) {
                    throw p.at("routingKey").error("must be the integration's routing key (1-64 letters, digits, '-' or '_')");
                }
                URI url = spec.pagerduty().url() == null ? URI.create("https://events.pagerduty.com/v2/enqueue")
                        : url(spec.pagerduty().url(), p.at("url"));
                yield new Receiver.PagerDuty(name, key, url);
            }
            default -> {
                Where e = where.at("email");
                List<String> to = spec.email().to() == null ? List.of() : spec.email().to();
                if (to.isEmpty() || to.size() > MAX_ADDRESSES) {
                    throw e.at("to").error("must list 1-" + MAX_ADDRESSES + " addresses");
                }
                for (int i = 0; i < to.size(); i++) {
                    address(to.get(i), e.at("to[" + i + "]"));
                }
                if (spec.email().from() != null) {
                    address(spec.email().from(), e.at("from"));
                }
                yield new Receiver.Email(name, List.copyOf(to), spec.email().from());
            }
        };
    }

    private static Route route(RouteSpec spec, Route parent, Where where, Map<String, Receiver> receivers, int depth,
                               int[] count) {
        if (spec == null) {
            throw where.error("must be a mapping");
        }
        if (depth > MAX_DEPTH) {
            throw where.error("routes nest at most " + MAX_DEPTH + " levels deep");
        }
        if (++count[0] > MAX_ROUTES) {
            throw where.error("at most " + MAX_ROUTES + " routes");
        }
        String receiver = spec.receiver() != null ? spec.receiver() : parent.receiver();
        if (!receivers.containsKey(receiver)) {
            throw where.at("receiver").error("names no receiver (known: " + new TreeSet<>(receivers.keySet()) + ")");
        }
        String escalation = spec.escalation() != null ? spec.escalation() : parent == null ? null : parent.escalation();
        if (escalation != null && !receivers.containsKey(escalation)) {
            throw where.at("escalation").error("names no receiver (known: " + new TreeSet<>(receivers.keySet()) + ")");
        }
        List<String> groupBy = spec.groupBy() != null ? List.copyOf(spec.groupBy())
                : parent == null ? DEFAULT_GROUP_BY : parent.groupBy();
        for (String label : groupBy) {
            if (!Route.GROUP_LABELS.contains(label)) {
                throw where.at("groupBy").error("'" + label + "' is not a label (known: " + new TreeSet<>(Route.GROUP_LABELS) + ")");
            }
        }
        if (groupBy.contains("...") && groupBy.size() > 1) {
            throw where.at("groupBy").error("'...' (every finding on its own) stands alone");
        }
        Duration groupWait = duration(spec.groupWait(), where.at("groupWait"), parent == null ? DEFAULT_GROUP_WAIT
                : parent.groupWait(), Duration.ZERO, Duration.ofHours(1));
        Duration groupInterval = duration(spec.groupInterval(), where.at("groupInterval"), parent == null
                ? DEFAULT_GROUP_INTERVAL : parent.groupInterval(), Duration.ofSeconds(1), Duration.ofDays(1));
        Duration repeatInterval = duration(spec.repeatInterval(), where.at("repeatInterval"), parent == null
                ? DEFAULT_REPEAT_INTERVAL : parent.repeatInterval(), Duration.ofMinutes(1), Duration.ofDays(30));
        Route.Matcher matcher = parent == null ? Route.Matcher.ANY : matcher(spec.match(), where.at("match"));
        List<RouteSpec> childSpecs = spec.routes() == null ? List.of() : spec.routes();
        // the children inherit this route's settings: build this one first, without children, as their parent
        Route self = new Route(where.path(), matcher, receiver, groupBy, groupWait, groupInterval, repeatInterval,
                Boolean.TRUE.equals(spec.continueMatching()), escalation, List.of());
        List<Route> children = new ArrayList<>();
        for (int i = 0; i < childSpecs.size(); i++) {
            children.add(route(childSpecs.get(i), self, where.at("routes[" + i + "]"), receivers, depth + 1, count));
        }
        return new Route(self.path(), matcher, receiver, groupBy, groupWait, groupInterval, repeatInterval,
                self.continueMatching(), escalation, List.copyOf(children));
    }

    private static Route.Matcher matcher(MatchSpec spec, Where where) {
        if (spec == null) {
            return Route.Matcher.ANY;
        }
        List<String> severity = new ArrayList<>();
        for (String s : list(spec.severity())) {
            try {
                severity.add(Severity.parse(s).json());
            } catch (IllegalArgumentException e) {
                throw where.at("severity").error(e.getMessage());
            }
        }
        List<Pattern> control = new ArrayList<>();
        for (String glob : list(spec.control())) {
            if (blank(glob) || glob.length() > 100) {
                throw where.at("control").error("control ids or globs such as 'cc6.*', at most 100 characters");
            }
            control.add(Glob.compile(glob));
        }
        List<String> owner = list(spec.owner());
        if (owner.stream().anyMatch(NotificationConfigLoader::blank)) {
            throw where.at("owner").error("must not hold empty owners");
        }
        List<String> criteria = list(spec.criteria());
        for (String c : criteria) {
            if (c == null || !CRITERION.matcher(c).matches()) {
                throw where.at("criteria").error("'" + c + "' is not a Trust Services Criterion (e.g. CC6.1)");
            }
        }
        return new Route.Matcher(List.copyOf(severity), List.copyOf(control), List.copyOf(owner), List.copyOf(criteria),
                spec.exempted());
    }

    private static <T> List<T> list(List<T> values) {
        return values == null ? List.of() : values;
    }

    private static URI url(String text, Where where) {
        if (blank(text)) {
            throw where.error("an http(s) URL is required");
        }
        try {
            URI uri = URI.create(text.trim());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
                throw where.error("must be an absolute http(s) URL");
            }
            if (text.length() > 2048) {
                throw where.error("must be at most 2048 characters");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw where.error("is not a URL: " + e.getMessage());
        }
    }

    private static void secret(String secret, Where where) {
        if (secret == null || !secret.startsWith("whsec_")) {
            throw where.error("must be a Standard Webhooks secret: 'whsec_' followed by base64 (24 to 64 bytes)");
        }
        try {
            int bytes = Base64.getDecoder().decode(secret.substring("whsec_".length())).length;
            if (bytes < 24 || bytes > 64) {
                throw where.error("must hold 24 to 64 bytes after 'whsec_' (it holds " + bytes + ")");
            }
        } catch (IllegalArgumentException e) {
            throw where.error("must be 'whsec_' followed by base64");
        }
    }

    private static void address(String address, Where where) {
        if (address == null || !ADDRESS.matcher(address.trim()).matches()) {
            throw where.error("'" + (address == null ? "" : printable(address)) + "' is not an e-mail address");
        }
    }

    private static Duration duration(String text, Where where, Duration inherited, Duration min, Duration max) {
        if (text == null) {
            return inherited;
        }
        Duration d = parseDuration(text);
        if (d == null) {
            throw where.error("'" + printable(text) + "' is not a duration (e.g. 30s, 5m, 4h, 1d)");
        }
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw where.error("must be between " + min + " and " + max);
        }
        return d;
    }

    /** {@code 30s}, {@code 5m}, {@code 4h}, {@code 1d}, {@code 500ms}; null if not a duration. */
    public static Duration parseDuration(String text) {
        var m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            return null;
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    static String sha256(String text) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A place in the document: its path and, found by the path, its line. */
    private record Where(String source, Lines lines, String path) {
        Where at(String child) {
            return new Where(source, lines, path.isEmpty() ? child : path + "." + child);
        }

        NotificationConfigException error(String reason) {
            return new NotificationConfigException(source, path, lines.of(path), reason);
        }
    }

    /** Line of each path of the document (as {@code a.b[0].c}), from one pass over its tokens. */
    private static final class Lines {
        private final Map<String, Integer> lines = new HashMap<>();

        Lines(String yaml) {
            try (JsonParser parser = new YAMLFactory().createParser(yaml)) {
                JsonToken token;
                while ((token = parser.nextToken()) != null) {
                    String path = pathOf(parser.getParsingContext().pathAsPointer().toString());
                    int line = parser.currentTokenLocation().getLineNr();
                    if (token == JsonToken.FIELD_NAME || token == JsonToken.START_OBJECT || token.isScalarValue()) {
                        lines.putIfAbsent(path, line);
                    }
                }
            } catch (IOException e) {
                // parsed successfully once already; lines are a courtesy
            }
        }

        int of(String path) {
            for (String p = path; !p.isEmpty(); p = parent(p)) {
                Integer line = lines.get(p);
                if (line != null) {
                    return line;
                }
            }
            return 0;
        }

        private static String parent(String path) {
            int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
            return cut < 0 ? "" : path.substring(0, cut);
        }

        /** {@code /route/routes/0/receiver} to {@code route.routes[0].receiver}. */
        private static String pathOf(String pointer) {
            StringBuilder out = new StringBuilder();
            for (String part : pointer.split("/")) {
                if (part.isEmpty()) {
                    continue;
                }
                if (part.chars().allMatch(Character::isDigit)) {
                    out.append('[').append(part).append(']');
                } else {
                    out.append(out.length() == 0 ? "" : ".").append(part);
                }
            }
            return out.toString();
        }
    }

    private static String pathOf(JsonProcessingException e) {
        if (!(e instanceof JsonMappingException mapping)) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        for (JsonMappingException.Reference ref : mapping.getPath()) {
            if (ref.getFieldName() != null) {
                out.append(out.length() == 0 ? "" : ".").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                out.append('[').append(ref.getIndex()).append(']');
            }
        }
        return out.toString();
    }

    private static String describe(JsonProcessingException e) {
        if (e instanceof UnrecognizedPropertyException unknown) {
            Set<String> known = new TreeSet<>();
            unknown.getKnownPropertyIds().forEach(id -> known.add(String.valueOf(id)));
            return "unknown field '" + unknown.getPropertyName() + "' (known: " + known + ")";
        }
        String message = e.getOriginalMessage();
        return message == null ? "is not a valid document" : firstLine(message);
    }

    private static int lineOf(JsonProcessingException e) {
        return e.getLocation() == null ? 0 : e.getLocation().getLineNr();
    }

    private static String firstLine(String message) {
        int newline = message.indexOf('\n');
        String line = newline < 0 ? message : message.substring(0, newline);
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }

    private static String printable(String text) {
        String cut = text.length() > 80 ? text.substring(0, 80) + "…" : text;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
