package io.controlwatch.evidence;

import io.controlwatch.evidence.internal.Hex;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/** A SHA-256 value: a row digest, a chain leaf or a chain head. Immutable; compares by value; prints as hex. */
public final class Sha256 {

    /** Length of a SHA-256 value in bytes. */
    public static final int LENGTH = 32;

    private final byte[] bytes;

    private Sha256(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Wraps a 32-byte value (copied). */
    public static Sha256 of(byte[] bytes) {
        if (bytes == null || bytes.length != LENGTH) {
            throw new IllegalArgumentException("a SHA-256 value has 32 bytes");
        }
        return new Sha256(bytes.clone());
    }

    /** Parses 64 hex digits (either case). */
    public static Sha256 fromHex(String hex) {
        if (hex == null || hex.length() != 2 * LENGTH) {
            throw new IllegalArgumentException("a SHA-256 value is 64 hex digits");
        }
        return new Sha256(Hex.decode(hex));
    }

    /** SHA-256 of the given bytes. */
    public static Sha256 hash(byte[] data) {
        return new Sha256(threadDigest().digest(data));
    }

    static Sha256 wrap(byte[] digestOutput) {
        return new Sha256(digestOutput);
    }

    // a provider lookup per hash costs as much as hashing a row: chain code hashes with one digest per thread
    private static final ThreadLocal<MessageDigest> PER_THREAD = ThreadLocal.withInitial(Sha256::newDigest);

    /** This thread's digest, reset; for hashing that completes within one call (never hand it out). */
    static MessageDigest threadDigest() {
        MessageDigest digest = PER_THREAD.get();
        digest.reset();
        return digest;
    }

    /** A fresh SHA-256 {@link MessageDigest} (every JDK has one). */
    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** A copy of the 32 bytes. */
    public byte[] bytes() {
        return bytes.clone();
    }

    void writeTo(MessageDigest digest) {
        digest.update(bytes);
    }

    /** Lower-case hex, 64 digits. */
    public String hex() {
        return Hex.encode(bytes);
    }

    @Override
    public boolean equals(Object o) {
        // constant time: cheap here, and it keeps a comparison of secrets-derived values from leaking timing
        return o instanceof Sha256 other && MessageDigest.isEqual(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return hex();
    }
}
