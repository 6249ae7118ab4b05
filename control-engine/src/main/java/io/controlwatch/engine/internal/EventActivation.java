package io.controlwatch.engine.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cel.common.values.NullValue;
import io.controlwatch.model.CloudEvent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Turns a CloudEvent into the CEL variables {@code event} and {@code data}, converting JSON to CEL values. */
public final class EventActivation {

    private EventActivation() {
    }

    public static Map<String, Object> of(CloudEvent event) {
        Map<String, Object> context = new HashMap<>();
        context.put("id", event.id());
        context.put("source", event.source());
        context.put("type", event.type());
        if (event.subject() != null) {
            context.put("subject", event.subject());
        }
        if (event.time() != null) {
            context.put("time", event.time().toString());
        }
        Map<String, Object> activation = new HashMap<>(4);
        activation.put("event", context);
        activation.put("data", event.data() == null ? NullValue.NULL_VALUE : toCel(event.data()));
        return activation;
    }

    /** JSON to CEL: integers as int (long), other numbers as double, null as CEL null. */
    static Object toCel(JsonNode node) {
        switch (node.getNodeType()) {
            case OBJECT: {
                Map<String, Object> map = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = it.next();
                    map.put(field.getKey(), toCel(field.getValue()));
                }
                return map;
            }
            case ARRAY: {
                List<Object> list = new ArrayList<>(node.size());
                node.forEach(item -> list.add(toCel(item)));
                return list;
            }
            case NUMBER:
                return node.canConvertToLong() && node.isIntegralNumber() ? (Object) node.asLong() : (Object) node.asDouble();
            case BOOLEAN:
                return node.asBoolean();
            case STRING:
                return node.asText();
            default:
                return NullValue.NULL_VALUE;
        }
    }
}
