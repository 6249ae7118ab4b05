package io.controlwatch.common.api;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.Components;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;

import java.util.List;
import java.util.Map;

/**
 * Documents, on every operation of a service's OpenAPI document, the RFC 9457 problems every endpoint can answer
 * (they come from the one mapper, {@link ProblemMappers}, not from each resource): 400 for an invalid or unknown
 * parameter or body, 401 without a valid token, 403 without the role, 500 with an incident id; plus the
 * {@code Problem} schema. Resources document only what is particular to them (a 404, a 413, a 503).
 * Registered with {@code mp.openapi.filter}.
 */
public class OpenApiProblems implements OASFilter {

    static final String PROBLEM = "application/problem+json";
    private static final String SCHEMA_REF = "#/components/schemas/Problem";

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() == null) {
            openAPI.setComponents(OASFactory.createComponents());
        }
        Components components = openAPI.getComponents();
        components.addSchema("Problem", problemSchema());
        if (openAPI.getPaths() == null || openAPI.getPaths().getPathItems() == null) {
            return;
        }
        for (PathItem path : openAPI.getPaths().getPathItems().values()) {
            for (Map.Entry<PathItem.HttpMethod, Operation> entry : path.getOperations().entrySet()) {
                Operation operation = entry.getValue();
                if (operation.getResponses() == null) {
                    operation.setResponses(OASFactory.createAPIResponses());
                }
                APIResponses responses = operation.getResponses();
                add(responses, "400", "Invalid request: an unknown query parameter, a value out of range or with control "
                        + "characters, or a body that breaks the rules (problem+json names each field)");
                add(responses, "401", "No token, or one that is invalid, expired, too old or not addressed to this service");
                add(responses, "403", "The token's roles do not allow this operation");
                add(responses, "500", "A defect: the problem names an incident id found in the service log");
                // the security layer documents 401/403 without a body: give every error response the problem body
                responses.getAPIResponses().forEach((code, response) -> {
                    if (code.startsWith("4") || code.startsWith("5")) {
                        response.setContent(OASFactory.createContent().addMediaType(PROBLEM,
                                OASFactory.createMediaType().schema(OASFactory.createSchema().ref(SCHEMA_REF))));
                        if (response.getDescription() == null || response.getDescription().isBlank()
                                || response.getDescription().equals("Not Authorized") || response.getDescription().equals("Not Allowed")) {
                            response.setDescription(code.equals("401") ? "No token, or one that is invalid, expired, too old or not addressed to this service"
                                    : code.equals("403") ? "The token's roles do not allow this operation" : "Error (problem+json)");
                        }
                    }
                });
            }
        }
    }

    private static void add(APIResponses responses, String code, String description) {
        if (responses.getAPIResponse(code) == null) {
            APIResponse response = OASFactory.createAPIResponse().description(description);
            responses.addAPIResponse(code, response);
        }
    }

    private static Schema problemSchema() {
        Schema string = OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING));
        Schema error = OASFactory.createSchema().type(List.of(Schema.SchemaType.OBJECT))
                .description("One offending field")
                .addProperty("index", OASFactory.createSchema().type(List.of(Schema.SchemaType.INTEGER))
                        .description("Position of the event in a batch"))
                .addProperty("field", string.description("Attribute, parameter or control id"))
                .addProperty("line", OASFactory.createSchema().type(List.of(Schema.SchemaType.INTEGER))
                        .description("Line in an uploaded document"))
                .addProperty("message", OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING)));
        return OASFactory.createSchema().type(List.of(Schema.SchemaType.OBJECT))
                .description("RFC 9457 problem details; `type` is stable (urn:controlwatch:problem:<slug>, docs/api.md)")
                .addProperty("type", OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING)))
                .addProperty("title", OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING)))
                .addProperty("status", OASFactory.createSchema().type(List.of(Schema.SchemaType.INTEGER)))
                .addProperty("detail", OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING)))
                .addProperty("errors", OASFactory.createSchema().type(List.of(Schema.SchemaType.ARRAY)).items(error));
    }
}
