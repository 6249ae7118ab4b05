package io.controlwatch.ingest.api;

import io.controlwatch.ingest.service.Submitter;
import jakarta.json.JsonArray;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Reads who submits events from the caller's verified token. */
final class Submitters {

    /** The claim that limits an ingest token to sources: a list of URI prefixes. */
    static final String SOURCES_CLAIM = "sources";

    private Submitters() {
    }

    static Submitter of(JsonWebToken token) {
        String name = token.getSubject() != null && !token.getSubject().isBlank() ? token.getSubject() : token.getName();
        if (!token.containsClaim(SOURCES_CLAIM)) {
            return new Submitter(name, null);
        }
        return new Submitter(name, prefixes(token.getClaim(SOURCES_CLAIM)));
    }

    /** A malformed claim limits the token to nothing rather than to everything. */
    private static List<String> prefixes(Object claim) {
        List<String> prefixes = new ArrayList<>();
        if (claim instanceof JsonArray array) {
            for (JsonValue value : array) {
                if (value instanceof JsonString s && !s.getString().isEmpty()) {
                    prefixes.add(s.getString());
                }
            }
        } else if (claim instanceof Collection<?> values) {
            for (Object value : values) {
                String text = value instanceof JsonString s ? s.getString() : String.valueOf(value);
                if (!text.isEmpty()) {
                    prefixes.add(text);
                }
            }
        } else if (claim instanceof JsonString s && !s.getString().isEmpty()) {
            prefixes.add(s.getString());
        } else if (claim instanceof String s && !s.isEmpty()) {
            prefixes.add(s);
        }
        return List.copyOf(prefixes);
    }
}
