package io.controlwatch.sources.internal;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Builds the CloudEvents the adapters produce and derives their ids from the vendor's event id, so that a redelivered
 * payload yields exactly the same ids (ingest deduplicates by id). One vendor event that yields several ControlWatch
 * events numbers them: {@code <prefix>:<vendor id>#0}, {@code #1}, … in the order of the vendor payload.
 */
public final class EventFactory {

    /** Vendor ids used as they are: printable ASCII without spaces, at most 200 characters. Others are hashed. */
    private static final Pattern PLAIN_ID = Pattern.compile("[\\x21-\\x7e]{1,200}");

    private EventFactory() {
    }

    /** {@code <prefix>:<vendorId>}, or {@code <prefix>:sha256:<hex>} when the vendor id is not plain. */
    public static String id(String prefix, String vendorId) {
        return prefix + ":" + (PLAIN_ID.matcher(vendorId).matches() ? vendorId : "sha256:" + sha256(vendorId));
    }

    /** A content id for vendor records without an id of their own (old CloudTrail records). */
    public static String contentId(String prefix, String canonicalContent) {
        return prefix + ":sha256:" + sha256(canonicalContent).substring(0, 32);
    }

    public static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    public static ObjectNode data() {
        return JsonNodeFactory.instance.objectNode();
    }

    public static ObjectNode event(String id, String source, String type, String subject, Instant time, ObjectNode data) {
        ObjectNode event = JsonNodeFactory.instance.objectNode();
        event.put("specversion", "1.0");
        event.put("id", id);
        event.put("source", source);
        event.put("type", type);
        if (subject != null && !subject.isBlank()) {
            event.put("subject", subject);
        }
        event.put("time", time.toString());
        event.put("datacontenttype", "application/json");
        event.set("data", data);
        return event;
    }

    /**
     * Gives the events of one vendor event their final ids: the base id alone for a single event,
     * {@code base#n} for several.
     */
    public static List<ObjectNode> numbered(String baseId, List<ObjectNode> events) {
        List<ObjectNode> result = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            ObjectNode event = events.get(i);
            event.put("id", events.size() == 1 ? baseId : baseId + "#" + i);
            result.add(event);
        }
        return result;
    }
}
