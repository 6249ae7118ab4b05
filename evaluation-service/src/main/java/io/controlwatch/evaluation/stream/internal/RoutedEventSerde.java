package io.controlwatch.evaluation.stream.internal;

import io.controlwatch.engine.EventRef;
import io.controlwatch.engine.RoutedEvent;
import io.controlwatch.model.ModelJson;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The rule input repartition topic's encoding of a {@link RoutedEvent}: an internal topic, written and read only by
 * the evaluation service, so a compact binary form rather than JSON (Jackson on both sides was 7 % of the service's
 * CPU, bench/profile.sh). Format 1: the byte {@code 0x01}, then the fields in declaration order, strings as a
 * 4-byte length (-1 for null) and UTF-8, instants as a presence byte, epoch seconds (8 bytes) and nanoseconds (4
 * bytes), the flag as one byte. A record that starts with <code>{</code> is the JSON the service wrote before: read as such, so records in
 * flight during an upgrade are not lost (a downgrade would not read format 1).
 */
public final class RoutedEventSerde implements Serde<RoutedEvent> {

    static final byte FORMAT = 1;

    @Override
    public Serializer<RoutedEvent> serializer() {
        return (topic, routed) -> routed == null ? null : encode(routed);
    }

    @Override
    public Deserializer<RoutedEvent> deserializer() {
        return (topic, data) -> data == null ? null : decode(data);
    }

    static byte[] encode(RoutedEvent r) {
        EventRef e = r.event();
        byte[][] strings = {bytes(r.controlId()), bytes(r.controlVersion()), bytes(r.role()), bytes(r.key()),
                bytes(r.distinct()), bytes(e.id()), bytes(e.source()), bytes(e.type()), bytes(e.submitter())};
        int size = 1 + 2 * 13 + 1;
        for (byte[] s : strings) {
            size += 4 + (s == null ? 0 : s.length);
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(FORMAT);
        for (int i = 0; i < 8; i++) { // controlId … distinct, then the event's id, source and type
            put(out, strings[i]);
        }
        put(out, e.time());
        put(out, e.ingestTime());
        put(out, strings[8]);
        out.put((byte) (e.backfilled() ? 1 : 0));
        return out.array();
    }

    static RoutedEvent decode(byte[] data) {
        if (data.length > 0 && data[0] == '{') {
            try {
                return ModelJson.mapper().readValue(data, RoutedEvent.class);
            } catch (IOException e) {
                throw new SerializationException("a routed event in JSON does not parse: " + e.getMessage(), e);
            }
        }
        if (data.length == 0 || data[0] != FORMAT) {
            throw new SerializationException("a routed event of unknown format " + (data.length == 0 ? "(empty)"
                    : Byte.toString(data[0])));
        }
        try {
            ByteBuffer in = ByteBuffer.wrap(data, 1, data.length - 1);
            String controlId = string(in);
            String controlVersion = string(in);
            String role = string(in);
            String key = string(in);
            String distinct = string(in);
            String id = string(in);
            String source = string(in);
            String type = string(in);
            Instant time = instant(in);
            Instant ingestTime = instant(in);
            String submitter = string(in);
            boolean backfilled = in.get() == 1;
            if (in.hasRemaining()) {
                throw new SerializationException("a routed event with " + in.remaining() + " bytes too many");
            }
            return new RoutedEvent(controlId, controlVersion, role, key, distinct,
                    new EventRef(id, source, type, time, ingestTime, submitter, backfilled));
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw new SerializationException("a routed event cut short or malformed", e);
        }
    }

    private static byte[] bytes(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    private static void put(ByteBuffer out, byte[] s) {
        out.putInt(s == null ? -1 : s.length);
        if (s != null) {
            out.put(s);
        }
    }

    private static void put(ByteBuffer out, Instant t) {
        out.put((byte) (t == null ? 0 : 1));
        out.putLong(t == null ? 0 : t.getEpochSecond());
        out.putInt(t == null ? 0 : t.getNano());
    }

    private static String string(ByteBuffer in) {
        int length = in.getInt();
        if (length == -1) {
            return null;
        }
        if (length < 0 || length > in.remaining()) {
            throw new IllegalArgumentException("string length " + length);
        }
        String s = new String(in.array(), in.arrayOffset() + in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
        return s;
    }

    private static Instant instant(ByteBuffer in) {
        boolean present = in.get() == 1;
        long seconds = in.getLong();
        int nanos = in.getInt();
        return present ? Instant.ofEpochSecond(seconds, nanos) : null;
    }
}
