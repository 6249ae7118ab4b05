package io.controlwatch.evidence.bundle;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.controlwatch.evidence.internal.Json;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/** Reads a JSON Lines stream one object at a time (constant memory per line, bounded by the parser's limits). */
final class JsonLines implements Closeable {

    // one document per line: the next line's object is not a "trailing token" of this one
    private static final ObjectReader LINE = Json.MAPPER.reader()
            .without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final JsonParser parser;
    private long objects;

    JsonLines(InputStream in) throws IOException {
        this.parser = Json.MAPPER.getFactory().createParser(in);
    }

    /** The next object, or null at the end; fails on anything that is not an object. */
    JsonNode next() throws IOException {
        JsonToken token = parser.nextToken();
        if (token == null) {
            return null;
        }
        if (token != JsonToken.START_OBJECT) {
            throw new IOException("line " + line() + ": not a JSON object");
        }
        objects++;
        return LINE.readTree(parser);
    }

    /** Line of the object last started (1-based). */
    long line() {
        return parser.currentTokenLocation().getLineNr();
    }

    long objects() {
        return objects;
    }

    @Override
    public void close() throws IOException {
        parser.close();
    }
}
