package io.controlwatch.system;

import com.fasterxml.jackson.databind.JsonNode;
import io.controlwatch.model.ModelJson;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;

/**
 * What a newcomer reads before the docs: each service's OpenAPI document describes every operation (summary,
 * description, every parameter, the 4xx problems it can answer), Swagger UI is served, and every ControlWatch metric
 * says what it counts and exists from the start (at zero) rather than after its first event.
 */
class SelfDescriptionIT {

    static ControlWatchStack stack;
    static final Set<String> GENERIC_SUMMARIES = Set.of("list", "get", "post", "put", "accept", "active", "versions", "version");

    @BeforeAll
    static void start() {
        stack = ControlWatchStack.get();
    }

    static List<ServiceProcess> services() {
        return List.of(stack.ingest, stack.evaluation, stack.alerting);
    }

    @Test
    void everyOperationIsDocumentedWithItsParametersAndProblems() throws Exception {
        SoftAssertions soft = new SoftAssertions();
        for (ServiceProcess service : services()) {
            String json = given().queryParam("format", "json").get(service.url("/q/openapi")).then().statusCode(200).extract().asString();
            JsonNode paths = ModelJson.mapper().readTree(json).path("paths");
            soft.assertThat(paths.size()).as(service.name + " has operations").isPositive();
            for (Iterator<Map.Entry<String, JsonNode>> p = paths.fields(); p.hasNext(); ) {
                Map.Entry<String, JsonNode> path = p.next();
                for (Iterator<Map.Entry<String, JsonNode>> o = path.getValue().fields(); o.hasNext(); ) {
                    Map.Entry<String, JsonNode> op = o.next();
                    if (op.getKey().equals("parameters")) {
                        continue;
                    }
                    String name = service.name + " " + op.getKey().toUpperCase() + " " + path.getKey();
                    JsonNode operation = op.getValue();
                    String summary = operation.path("summary").asText("");
                    soft.assertThat(summary).as(name + " summary").isNotBlank();
                    soft.assertThat(GENERIC_SUMMARIES).as(name + " summary is more than the method name").doesNotContain(summary.toLowerCase());
                    soft.assertThat(operation.path("description").asText("")).as(name + " description").isNotBlank();
                    for (JsonNode parameter : operation.path("parameters")) {
                        soft.assertThat(parameter.path("description").asText("")).as(name + " parameter " + parameter.path("name").asText())
                                .isNotBlank();
                    }
                    boolean clientError = false;
                    for (Iterator<String> codes = operation.path("responses").fieldNames(); codes.hasNext(); ) {
                        String code = codes.next();
                        if (code.startsWith("4")) {
                            clientError = true;
                            soft.assertThat(operation.path("responses").path(code).path("content").has("application/problem+json"))
                                    .as(name + " " + code + " is a problem+json").isTrue();
                        }
                    }
                    soft.assertThat(clientError).as(name + " documents its 4xx answers").isTrue();
                }
            }
            soft.assertThat(ServiceProcess.status(service.url("/q/swagger-ui/"))).as(service.name + " serves Swagger UI").isEqualTo(200);
        }
        soft.assertAll();
    }

    @Test
    void everyMetricSaysWhatItCountsAndExistsFromTheStart() {
        Pattern help = Pattern.compile("^# HELP (cw_[a-z_]+) ?(.*)$", Pattern.MULTILINE);
        Map<ServiceProcess, List<String>> atZero = Map.of(
                stack.ingest, List.of("cw_events_accepted_total", "cw_events_rejected_total{reason=\"invalid-event\"",
                        "cw_events_rejected_total{reason=\"forbidden-event\""),
                stack.evaluation, List.of("cw_executions_total{control=\"a1.2-database-backup-26h\"",
                        "cw_events_dead_lettered_total{reason=\"invalid-json\"",
                        "cw_absence_keys_retired_total{control=\"cc2.1-event-source-silent\""),
                stack.alerting, List.of("cw_executions_dead_lettered_total{reason=\"incomplete-execution\"",
                        "cw_executions_recorded_total{control=\"cc6.1-console-login-mfa\""));
        SoftAssertions soft = new SoftAssertions();
        for (ServiceProcess service : services()) {
            String metrics = given().get(service.url("/q/metrics")).then().statusCode(200).extract().asString();
            Matcher m = help.matcher(metrics);
            int described = 0;
            while (m.find()) {
                described++;
                soft.assertThat(m.group(2)).as(service.name + " HELP of " + m.group(1)).isNotBlank();
            }
            soft.assertThat(described).as(service.name + " exposes ControlWatch metrics").isPositive();
            for (String series : atZero.get(service)) {
                soft.assertThat(metrics).as(service.name + " exposes " + series + " from the start").contains(series);
            }
        }
        soft.assertAll();
    }
}
