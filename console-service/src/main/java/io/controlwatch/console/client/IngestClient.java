package io.controlwatch.console.client;

import java.util.concurrent.TimeUnit;

import io.controlwatch.console.config.ConsoleConfig;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/** The ingest client, from the console's typed configuration (CW_CONSOLE_INGEST_URL, CW_CONSOLE_INGEST_TIMEOUT). */
@ApplicationScoped
public class IngestClient {

    @Produces
    @ApplicationScoped
    IngestApi ingest(ConsoleConfig config) {
        long timeout = config.ingestTimeout().toMillis();
        return QuarkusRestClientBuilder.newBuilder().baseUri(config.ingestUrl())
                .connectTimeout(timeout, TimeUnit.MILLISECONDS).readTimeout(timeout, TimeUnit.MILLISECONDS)
                .build(IngestApi.class);
    }
}
