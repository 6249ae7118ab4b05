package io.controlwatch.sources.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.controlwatch.sources.AdapterLimits;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses vendor bodies under {@link AdapterLimits}: nesting depth, string and number lengths are enforced by the
 * parser itself (Jackson's stream read constraints), so a hostile body fails fast instead of exhausting memory.
 */
public final class BoundedJson {

    /** A body that is not JSON within the limits; the message is safe to show to the sender. */
    public static final class BadJson extends Exception {
        public BadJson(String message) {
            super(message, null, false, false);
        }
    }

    private final ObjectMapper mapper;
    private final AdapterLimits limits;

    public BoundedJson(AdapterLimits limits) {
        this.limits = limits;
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(limits.maxNestingDepth())
                        .maxStringLength(limits.maxStringLength())
                        .maxNumberLength(64)
                        .maxNameLength(4096)
                        .maxDocumentLength(limits.maxBodyBytes())
                        .build())
                .build();
        this.mapper = JsonMapper.builder(factory).build();
    }

    /** Exactly one JSON value (anything after it but whitespace is an error). */
    public JsonNode parse(byte[] body) throws BadJson {
        checkSize(body);
        try (JsonParser parser = mapper.createParser(body)) {
            JsonNode node = mapper.readTree(parser);
            if (node == null || node.isMissingNode()) {
                throw new BadJson("the body is empty");
            }
            if (parser.nextToken() != null) {
                throw new BadJson("the body holds more than one JSON value");
            }
            return node;
        } catch (BadJson e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new BadJson("the body is not valid JSON within the limits (" + describe(e) + ")");
        }
    }

    /** One or more JSON values one after another (JSON lines, or values separated by whitespace), at most {@code max}. */
    public List<JsonNode> parseSequence(byte[] body, int max) throws BadJson {
        checkSize(body);
        List<JsonNode> values = new ArrayList<>();
        try (JsonParser parser = mapper.createParser(body)) {
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                if (values.size() >= max) {
                    throw new BadJson("the body holds more than " + max + " JSON values");
                }
                if (token != JsonToken.START_OBJECT && token != JsonToken.START_ARRAY) {
                    throw new BadJson("expected a JSON object or array");
                }
                values.add(mapper.readTree(parser));
            }
        } catch (BadJson e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new BadJson("the body is not valid JSON within the limits (" + describe(e) + ")");
        }
        if (values.isEmpty()) {
            throw new BadJson("the body is empty");
        }
        return values;
    }

    private void checkSize(byte[] body) throws BadJson {
        if (body.length > limits.maxBodyBytes()) {
            throw new BadJson("the body has " + body.length + " bytes, more than the " + limits.maxBodyBytes() + " accepted");
        }
    }

    /** The parser's first line, without the echo of the input Jackson appends (which could carry the hostile body). */
    private static String describe(Exception e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int cut = message.indexOf('\n');
        message = cut < 0 ? message : message.substring(0, cut);
        return message.length() > 200 ? message.substring(0, 200) + "…" : message;
    }
}
