package io.controlwatch.system;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.controlwatch.testsupport.TestTokens;

import org.junit.jupiter.api.Test;

/**
 * Every PromQL expression of the Grafana dashboards (deploy/observability/grafana/dashboards) parses, and every metric
 * it names is exposed by one of the running services: a dashboard never shows "no data" because a metric was renamed.
 */
class DashboardMetricsIT {

    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "and", "or", "unless", "offset", "inf", "nan", "atan2");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    /** The metric names an expression selects, after checking its brackets, quotes and label matchers. */
    static Set<String> metricNames(String expr) {
        String s = expr;
        // strings first (label values may hold anything), then label matchers, ranges, grouping label lists
        s = s.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"");
        assertThat(s).as("unbalanced quotes in %s", expr).doesNotContain("\"\"\"");
        int depth = 0;
        for (char c : s.toCharArray()) {
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            assertThat(depth).as("unbalanced parentheses in %s", expr).isGreaterThanOrEqualTo(0);
        }
        assertThat(depth).as("unbalanced parentheses in %s", expr).isZero();
        Matcher matchers = Pattern.compile("\\{([^{}]*)}").matcher(s);
        while (matchers.find()) {
            for (String m : matchers.group(1).split(",")) {
                if (!m.isBlank()) {
                    assertThat(m.strip()).as("label matcher in %s", expr).matches("[a-zA-Z_][a-zA-Z0-9_]*\\s*(=~|!~|!=|=)\\s*\"\"");
                }
            }
        }
        s = s.replaceAll("\\{[^{}]*}", " ");
        s = s.replaceAll("\\[[0-9smhdwy:]+]", " ");
        assertThat(s).as("a range or subquery that does not parse in %s", expr).doesNotContain("[").doesNotContain("]");
        s = s.replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^()]*\\)", " ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(s);
        while (m.find()) {
            String word = m.group();
            int after = m.end();
            while (after < s.length() && Character.isWhitespace(s.charAt(after))) {
                after++;
            }
            boolean function = after < s.length() && s.charAt(after) == '(';
            boolean number = m.start() > 0 && Character.isDigit(s.charAt(m.start() - 1));
            if (!function && !number && !KEYWORDS.contains(word.toLowerCase())) {
                names.add(word);
            }
        }
        return names;
    }

    @Test
    void theParserFindsTheMetricsAndRefusesBrokenExpressions() {
        assertThat(metricNames("histogram_quantile(0.99, sum by (service, le) (rate(http_server_requests_seconds_bucket{uri!~\"/q/.*\"}[5m])))"))
                .containsExactly("http_server_requests_seconds_bucket");
        assertThat(metricNames("sum(rate(a_total[5m])) / ignoring(x) b offset 1h > bool 0"))
                .containsExactly("a_total", "b");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> metricNames("sum(rate(a_total[5m])"))
                .isInstanceOf(AssertionError.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> metricNames("a{service=ingest}"))
                .isInstanceOf(AssertionError.class);
    }

    @Test
    void everyMetricADashboardNamesIsExposed() throws IOException {
        ControlWatchStack stack = ControlWatchStack.get();
        // a request on each service, so that its HTTP server metrics exist
        given().auth().oauth2(TestTokens.withRoles("auditor")).get(stack.alerting.url("/api/v1/controls")).then().statusCode(200);
        given().auth().oauth2(TestTokens.withRoles("ingest")).contentType("application/cloudevents+json").body("{}")
                .post(stack.ingest.url("/api/v1/events")).then().statusCode(400);
        given().auth().oauth2(TestTokens.withRoles("admin")).get(stack.evaluation.url("/api/v1/packs/versions"));
        // a registered source, whose delivery counters exist at zero from its registration
        given().auth().oauth2(TestTokens.withRoles("admin")).contentType("application/json")
                .body("{\"kind\": \"cloudevents\", \"name\": \"dashboard-metrics-it\", \"options\": {}}")
                .post(stack.ingest.url("/api/v1/sources")).then().statusCode(201);

        Set<String> exposed = new TreeSet<>();
        for (ServiceProcess service : List.of(stack.ingest, stack.evaluation, stack.alerting)) {
            String metrics = given().get(service.url("/q/metrics")).then().statusCode(200).extract().asString();
            metrics.lines().filter(l -> !l.isBlank() && !l.startsWith("#"))
                    .map(l -> l.split("[{ ]", 2)[0]).forEach(exposed::add);
        }

        Path dir = ServiceProcess.repositoryRoot().resolve("deploy/observability/grafana/dashboards");
        List<Path> dashboards;
        try (Stream<Path> files = Files.list(dir)) {
            dashboards = files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertThat(dashboards).isNotEmpty();
        ObjectMapper json = new ObjectMapper();
        List<String> missing = new ArrayList<>();
        int expressions = 0;
        for (Path dashboard : dashboards) {
            List<String> exprs = new ArrayList<>();
            collect(json.readTree(dashboard.toFile()), exprs);
            assertThat(exprs).as("%s has expressions", dashboard.getFileName()).isNotEmpty();
            for (String expr : exprs) {
                expressions++;
                Set<String> names = metricNames(expr);
                assertThat(names).as("metrics in %s", expr).isNotEmpty();
                for (String name : names) {
                    if (!exposed.contains(name)) {
                        missing.add(dashboard.getFileName() + ": " + name + " in " + expr);
                    }
                }
            }
        }
        assertThat(missing).as("metrics named by %d expressions and exposed by no service", expressions).isEmpty();
    }

    private static void collect(JsonNode node, List<String> into) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                if (e.getKey().equals("expr") && e.getValue().isTextual()) {
                    into.add(e.getValue().asText());
                } else {
                    collect(e.getValue(), into);
                }
            });
        } else if (node.isArray()) {
            node.forEach(n -> collect(n, into));
        }
    }

}
