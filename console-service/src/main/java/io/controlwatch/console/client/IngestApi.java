package io.controlwatch.console.client;

import com.fasterxml.jackson.databind.JsonNode;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/**
 * The ingest API as the sources page calls it, with the signed-in user's own bearer token (ingest decides who may list
 * sources). Built by {@link IngestClient} from {@code cw.console.ingest-url}.
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public interface IngestApi {

    /** A keyset page {@code {items, next, hasMore}} of the registered, then the observed CloudEvents sources. */
    @GET
    @Path("/sources")
    JsonNode sources(@HeaderParam("Authorization") String bearer, @QueryParam("limit") Integer limit,
                     @QueryParam("cursor") String cursor);
}
