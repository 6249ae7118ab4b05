package io.controlwatch.ingest.api;

import io.controlwatch.common.api.Problem;
import io.controlwatch.common.api.ProblemException;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The attributes of a binary-mode CloudEvent, read from its {@code ce-*} headers (CloudEvents HTTP protocol binding
 * 1.0, 3.1.3): the name is the header name without {@code ce-}, in lower case; the value is percent-decoded
 * (UTF-8). Bounds and meaning are checked afterwards, on the assembled event, by the same rules as structured mode.
 */
final class BinaryModeHeaders {

    static final String PREFIX = "ce-";
    /** More than any event needs (the context attributes plus the extensions the bounds allow). */
    static final int MAX_HEADERS = 64;

    private BinaryModeHeaders() {
    }

    /** Whether the request is in binary mode at all: it must carry {@code ce-specversion}. */
    static boolean present(MultivaluedMap<String, String> headers) {
        return headers.keySet().stream().anyMatch(name -> name.equalsIgnoreCase(PREFIX + "specversion"));
    }

    static Map<String, String> attributes(MultivaluedMap<String, String> headers) {
        Map<String, String> attributes = new TreeMap<>();
        for (Map.Entry<String, List<String>> header : headers.entrySet()) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (!name.startsWith(PREFIX)) {
                continue;
            }
            String attribute = name.substring(PREFIX.length());
            if (attribute.equals("datacontenttype")) {
                throw invalid("ce-datacontenttype", "In binary mode the data's media type is the Content-Type header.");
            }
            if (attribute.equals("data") || attribute.equals("data_base64")) {
                throw invalid(name, "In binary mode the data is the request body.");
            }
            if (header.getValue().size() != 1 || attributes.containsKey(attribute)) {
                throw invalid(name, "The header is repeated; each attribute is given once.");
            }
            if (attributes.size() == MAX_HEADERS) {
                throw invalid("ce-*", "More than " + MAX_HEADERS + " ce- headers.");
            }
            attributes.put(attribute, percentDecoded(name, header.getValue().get(0)));
        }
        return attributes;
    }

    /** %XX sequences are UTF-8 bytes; anything else stands for itself ('+' is not a space here, unlike forms). */
    static String percentDecoded(String header, String value) {
        if (value.indexOf('%') < 0) {
            return value;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '%') {
                if (i + 2 >= value.length() || Character.digit(value.charAt(i + 1), 16) < 0
                        || Character.digit(value.charAt(i + 2), 16) < 0) {
                    throw invalid(header, "A '%' must be followed by two hexadecimal digits.");
                }
                bytes.write(Character.digit(value.charAt(i + 1), 16) * 16 + Character.digit(value.charAt(i + 2), 16));
                i += 2;
            } else {
                byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(encoded, 0, encoded.length);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw invalid(header, "The percent-encoded value is not UTF-8.");
        }
    }

    private static ProblemException invalid(String header, String detail) {
        return new ProblemException(Problem.of(Response.Status.BAD_REQUEST, "invalid-binary-event",
                "Invalid binary-mode CloudEvent", detail)
                .withErrors(List.of(new Problem.FieldError(null, header, null, detail))));
    }
}
