package io.controlwatch.console.client;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * The alerting API as the console calls it: always with the signed-in user's own bearer token, so the API's role
 * checks are the ones that count and every change records the user's {@code sub}. Answers stay JSON trees: the console
 * shows what the API says and maps it to its views in {@code service}.
 */
@RegisterRestClient(configKey = "alerting")
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public interface AlertingApi {

    @GET
    @Path("/controls")
    JsonNode controls(@HeaderParam("Authorization") String bearer);

    @GET
    @Path("/reports/operating-effectiveness")
    JsonNode report(@HeaderParam("Authorization") String bearer, @QueryParam("from") String from,
                    @QueryParam("to") String to, @QueryParam("control") String control);

    /** The report with each control's figures per UTC day ({@code daily}): one call for a control's trend. */
    @GET
    @Path("/reports/operating-effectiveness")
    JsonNode report(@HeaderParam("Authorization") String bearer, @QueryParam("from") String from,
                    @QueryParam("to") String to, @QueryParam("control") String control,
                    @QueryParam("daily") boolean daily);

    @GET
    @Path("/findings")
    JsonNode findings(@HeaderParam("Authorization") String bearer, @QueryParam("status") List<String> status,
                      @QueryParam("severity") String severity, @QueryParam("control") String control,
                      @QueryParam("limit") Integer limit, @QueryParam("cursor") String cursor);

    @GET
    @Path("/findings/{id}")
    JsonNode finding(@HeaderParam("Authorization") String bearer, @PathParam("id") String id);

    @POST
    @Path("/findings/{id}/{action}")
    @Consumes(MediaType.APPLICATION_JSON)
    JsonNode act(@HeaderParam("Authorization") String bearer, @PathParam("id") String id,
                 @PathParam("action") String action, JsonNode body);

    @GET
    @Path("/executions")
    JsonNode executions(@HeaderParam("Authorization") String bearer, @QueryParam("control") String control,
                        @QueryParam("result") String result, @QueryParam("from") String from,
                        @QueryParam("to") String to, @QueryParam("limit") Integer limit,
                        @QueryParam("cursor") String cursor);
}
