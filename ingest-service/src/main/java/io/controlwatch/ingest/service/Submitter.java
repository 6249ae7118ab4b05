package io.controlwatch.ingest.service;

import java.util.List;

/**
 * Who submits events, from their token: recorded on every event ({@code cwsubmitter}) so that evidence says who
 * delivered it, and optionally limited to some sources.
 *
 * @param name           the token's subject (else its user principal name)
 * @param sourcePrefixes the token's {@code sources} claim: the URI prefixes its events' {@code source} must start
 *                       with; null when the token is not limited
 */
public record Submitter(String name, List<String> sourcePrefixes) {

    public boolean mayUse(String source) {
        return sourcePrefixes == null || sourcePrefixes.stream().anyMatch(source::startsWith);
    }
}
