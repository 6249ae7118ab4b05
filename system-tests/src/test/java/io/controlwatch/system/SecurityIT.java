package io.controlwatch.system;

import io.controlwatch.testsupport.Endpoints;
import io.controlwatch.testsupport.Endpoints.Endpoint;
import io.controlwatch.testsupport.RoleMatrix;
import io.controlwatch.testsupport.TestTokens;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deny by default, checked on the running services: every endpoint the code declares has a row in docs/security.md
 * ("Who may call what") and honours it over HTTP for every role, without a token, and against the classic JWT
 * attacks. A new endpoint without a row fails here.
 */
class SecurityIT {

    /** The services, with the module whose compiled resources declare their endpoints and their token audience. */
    private record Service(String name, String module, String audience) {
    }

    private static final List<Service> SERVICES = List.of(
            new Service("ingest", "ingest-service", TestTokens.INGEST_AUDIENCE),
            new Service("evaluation", "evaluation-service", TestTokens.EVALUATION_AUDIENCE),
            new Service("alerting", "alerting-service", TestTokens.ALERTING_AUDIENCE));

    static ControlWatchStack stack;
    static RoleMatrix matrix;

    @BeforeAll
    static void start() {
        stack = ControlWatchStack.get();
        matrix = RoleMatrix.read(ServiceProcess.repositoryRoot().resolve("docs/security.md"));
    }

    static List<Endpoint> endpoints(Service service) {
        return Endpoints.of(ServiceProcess.repositoryRoot().resolve(service.module()).resolve("target/classes"));
    }

    static ServiceProcess process(Service service) {
        return switch (service.name()) {
            case "ingest" -> stack.ingest;
            case "evaluation" -> stack.evaluation;
            default -> stack.alerting;
        };
    }

    @Test
    void everyEndpointHasADocumentedRowThatItsAnnotationsHonour() {
        SoftAssertions soft = new SoftAssertions();
        for (Service service : SERVICES) {
            Map<String, RoleMatrix.Row> rows = matrix.byEndpoint(service.name());
            Set<String> declared = new TreeSet<>();
            for (Endpoint endpoint : endpoints(service)) {
                declared.add(endpoint.toString());
                RoleMatrix.Row row = rows.get(endpoint.toString());
                soft.assertThat(row).as(service.name() + ": " + endpoint + " has no row in docs/security.md").isNotNull();
                // @PermitAll only where a source's secret authenticates instead of a JWT (checked over HTTP below)
                soft.assertThat(endpoint.permitAll()).as(endpoint + " is @PermitAll exactly when its row says 'secret'")
                        .isEqualTo(row != null && row.sourceSecret());
                if (row != null) {
                    soft.assertThat(endpoint.roles()).as("roles of " + endpoint).isEqualTo(row.allowed());
                }
            }
            soft.assertThat(declared).as(service.name() + ": rows of docs/security.md without an endpoint")
                    .containsAll(rows.keySet());
        }
        soft.assertAll();
    }

    @Test
    void everyEndpointRefusesCallersWithoutTheRoleAndWithoutAToken() {
        SoftAssertions soft = new SoftAssertions();
        for (Service service : SERVICES) {
            ServiceProcess process = process(service);
            for (Endpoint endpoint : endpoints(service)) {
                RoleMatrix.Row row = matrix.byEndpoint(service.name()).get(endpoint.toString());
                if (row == null) {
                    continue; // reported by the test above
                }
                int anonymous = call(given(), process, endpoint).statusCode();
                soft.assertThat(anonymous).as(endpoint + " without a token").isEqualTo(401);
                if (row.sourceSecret()) {
                    // no JWT opens it, whatever its roles: without the source's secret it is 401
                    for (String role : matrix.roles()) {
                        soft.assertThat(call(given().auth().oauth2(TestTokens.withRoles(role)), process, endpoint).statusCode())
                                .as(endpoint + " with a JWT of role " + role + " but no source secret").isEqualTo(401);
                    }
                    continue;
                }
                for (String role : matrix.roles()) {
                    int status = call(given().auth().oauth2(TestTokens.withRoles(role)), process, endpoint).statusCode();
                    if (row.allowed().contains(role)) {
                        soft.assertThat(status).as(endpoint + " as " + role).isNotIn(401, 403).isLessThan(500);
                    } else {
                        soft.assertThat(status).as(endpoint + " as " + role).isEqualTo(403);
                    }
                }
                int noRoles = call(given().auth().oauth2(TestTokens.token().sign()), process, endpoint).statusCode();
                soft.assertThat(noRoles).as(endpoint + " with a valid token without groups").isEqualTo(403);
            }
        }
        soft.assertAll();
    }

    @Test
    void forgedAndUnacceptableTokensAreRefusedByEveryService() {
        SoftAssertions soft = new SoftAssertions();
        for (Service service : SERVICES) {
            ServiceProcess process = process(service);
            for (Endpoint endpoint : endpoints(service)) {
                RoleMatrix.Row row = matrix.byEndpoint(service.name()).get(endpoint.toString());
                if (row == null || row.allowed().isEmpty()) {
                    continue;
                }
                String role = row.allowed().iterator().next();
                // the same token, addressed to this service, is accepted: each forgery differs only in its flaw
                soft.assertThat(call(given().auth().oauth2(TestTokens.token().roles(role).audiences(service.audience()).sign()),
                        process, endpoint).statusCode()).as(endpoint + " with a sound token").isNotIn(401, 403);
                Map<String, Integer> refused = new LinkedHashMap<>();
                TestTokens.forgeries(service.audience(), role).forEach((attack, token) -> {
                    Response response = call(given().header("Authorization", "Bearer " + token), process, endpoint);
                    refused.put(attack, response.statusCode());
                    soft.assertThat(response.contentType()).as(attack + " answer").startsWith("application/problem+json");
                });
                soft.assertThat(refused).as(service.name() + " " + endpoint + ": every forgery answered 401")
                        .allSatisfy((attack, status) -> assertThat(status).as(attack).isEqualTo(401));
            }
        }
        soft.assertAll();
    }

    /** Calls an endpoint with its own media type and a body it will not accept: only authorization matters here. */
    private static Response call(RequestSpecification request, ServiceProcess process, Endpoint endpoint) {
        String path = endpoint.path().replaceAll("\\{[^}]+}", "does-not-exist");
        if (endpoint.consumes() != null) {
            request = request.contentType(endpoint.consumes()).body(new byte[0]);
        }
        return request.when().request(endpoint.method(), process.url(path)).andReturn();
    }
}
