package io.controlwatch.system;

import io.controlwatch.testsupport.Endpoints;
import io.controlwatch.testsupport.Endpoints.Endpoint;
import io.controlwatch.testsupport.RoleMatrix;
import io.controlwatch.testsupport.TestTokens;
import io.restassured.response.Response;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;

/**
 * No wrong answer that looks right: every GET endpoint of every service, called by a role allowed to, refuses a query
 * parameter it does not declare (a typo like {@code contrl=} must not return an unfiltered list) and refuses a control
 * character in each parameter it declares, with a 400 problem naming the parameter.
 */
class StrictParametersIT {

    static ControlWatchStack stack;
    static RoleMatrix matrix;

    @BeforeAll
    static void start() {
        stack = ControlWatchStack.get();
        matrix = RoleMatrix.read(ServiceProcess.repositoryRoot().resolve("docs/security.md"));
    }

    @Test
    void unknownParametersAndControlCharactersAreRefusedByEveryEndpoint() {
        Map<String, ServiceProcess> services = Map.of("ingest", stack.ingest, "evaluation", stack.evaluation,
                "alerting", stack.alerting);
        SoftAssertions soft = new SoftAssertions();
        int checked = 0;
        for (Map.Entry<String, ServiceProcess> service : services.entrySet()) {
            List<Endpoint> endpoints = Endpoints.of(ServiceProcess.repositoryRoot()
                    .resolve(service.getKey() + "-service").resolve("target/classes"));
            for (Endpoint endpoint : endpoints) {
                RoleMatrix.Row row = matrix.byEndpoint(service.getKey()).get(endpoint.toString());
                if (!endpoint.method().equals("GET") || row == null || row.allowed().isEmpty()) {
                    continue;
                }
                String role = row.allowed().iterator().next();
                String path = endpoint.path().replaceAll("\\{[^}]+}", "does-not-exist");
                Response unknown = given().auth().oauth2(TestTokens.withRoles(role)).queryParam("contrl", "x")
                        .get(service.getValue().url(path));
                soft.assertThat(unknown.statusCode()).as(endpoint + "?contrl=x").isEqualTo(400);
                soft.assertThat(unknown.asString()).as(endpoint + " names the parameter").contains("contrl");
                for (String parameter : endpoint.queryParameters()) {
                    Response nul = given().auth().oauth2(TestTokens.withRoles(role)).urlEncodingEnabled(false)
                            .queryParam(parameter, "a%00b").get(service.getValue().url(path));
                    soft.assertThat(nul.statusCode()).as(endpoint + "?" + parameter + "=NUL").isEqualTo(400);
                    checked++;
                }
                checked++;
            }
        }
        soft.assertThat(checked).as("parameters checked").isGreaterThan(10);
        soft.assertAll();
    }
}
