package io.controlwatch.evidence.internal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * Builds the canonical byte encoding the evidence chain hashes (docs/auditors.md, "Canonical encoding"):
 * integers big-endian two's complement, booleans one byte, strings as a 4-byte length then UTF-8 with length -1 for
 * null, lists as a 4-byte count then their strings, times as 8-byte epoch microseconds. Every field has a fixed
 * place, so no two different rows encode to the same bytes.
 */
public final class CanonicalBytes {

    private byte[] buf;
    private int size;

    public CanonicalBytes(int initialCapacity) {
        buf = new byte[Math.max(64, initialCapacity)];
    }

    /** A fixed ASCII tag, written without a length: it is a constant of the format, never data. */
    public CanonicalBytes tag(String ascii) {
        for (int i = 0; i < ascii.length(); i++) {
            char c = ascii.charAt(i);
            if (c > 0x7e || c < 0x20) {
                throw new IllegalArgumentException("tags are printable ASCII");
            }
            put((byte) c);
        }
        return this;
    }

    public CanonicalBytes int32(int value) {
        ensure(4);
        buf[size++] = (byte) (value >>> 24);
        buf[size++] = (byte) (value >>> 16);
        buf[size++] = (byte) (value >>> 8);
        buf[size++] = (byte) value;
        return this;
    }

    public CanonicalBytes int64(long value) {
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            buf[size++] = (byte) (value >>> shift);
        }
        return this;
    }

    public CanonicalBytes bool(boolean value) {
        return put(value ? (byte) 1 : (byte) 0);
    }

    /** A time as microseconds since the epoch (the precision PostgreSQL keeps); finer digits must be gone. */
    public CanonicalBytes micros(Instant time) {
        return int64(epochMicros(time));
    }

    /** A string, or null (length -1): null and the empty string are different values. */
    public CanonicalBytes string(String value) {
        if (value == null) {
            return int32(-1);
        }
        byte[] utf8 = utf8(value);
        int32(utf8.length);
        return raw(utf8);
    }

    /** A list of non-null strings, in the given order. */
    public CanonicalBytes strings(List<String> values) {
        int32(values.size());
        for (String value : values) {
            if (value == null) {
                throw new IllegalArgumentException("lists hold no null elements");
            }
            string(value);
        }
        return this;
    }

    public CanonicalBytes raw(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, size, bytes.length);
        size += bytes.length;
        return this;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    /** The internal buffer (valid up to {@link #size()}); for hashing without a copy. */
    public byte[] buffer() {
        return buf;
    }

    public int size() {
        return size;
    }

    /** Microseconds since the epoch, refusing a time with sub-microsecond digits (it would not survive storage). */
    public static long epochMicros(Instant time) {
        if (time.getNano() % 1000 != 0) {
            throw new IllegalArgumentException("time " + time + " has sub-microsecond digits");
        }
        return Math.addExact(Math.multiplyExact(time.getEpochSecond(), 1_000_000L), time.getNano() / 1000);
    }

    /**
     * Strict UTF-8: a lone surrogate has no UTF-8 form, and the JDK would silently replace it with '?', which would
     * let two different strings encode alike.
     */
    public static byte[] utf8(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= value.length() || !Character.isLowSurrogate(value.charAt(i + 1))) {
                    throw new IllegalArgumentException("string holds a lone surrogate at index " + i);
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                throw new IllegalArgumentException("string holds a lone surrogate at index " + i);
            }
        }
        return value.getBytes(StandardCharsets.UTF_8);
    }

    private CanonicalBytes put(byte b) {
        ensure(1);
        buf[size++] = b;
        return this;
    }

    private void ensure(int more) {
        if (size + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
        }
    }
}
