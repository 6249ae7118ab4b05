package io.controlwatch.sources;

import com.fasterxml.jackson.databind.JsonNode;
import io.controlwatch.model.ModelJson;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link AdapterStateStore} in memory, with the bounds and expiry every store keeps: what tests and tools use, and what
 * ingest's durable store holds in memory in front of its Kafka topic.
 */
public final class InMemoryAdapterStateStore implements AdapterStateStore {

    private record Entry(JsonNode value, Instant expiresAt) {
    }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final Clock clock;

    public InMemoryAdapterStateStore() {
        this(Clock.systemUTC());
    }

    public InMemoryAdapterStateStore(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Optional<JsonNode> get(String key) {
        checkKey(key);
        Entry entry = entries.get(key);
        if (entry == null) {
            return Optional.empty();
        }
        if (!clock.instant().isBefore(entry.expiresAt())) {
            entries.remove(key, entry);
            return Optional.empty();
        }
        return Optional.of(entry.value().deepCopy());
    }

    @Override
    public void put(String key, JsonNode value, Duration ttl) {
        putExpiring(key, value, ttl);
    }

    /** {@link #put}, answering when the value expires. */
    public Instant putExpiring(String key, JsonNode value, Duration ttl) {
        checkKey(key);
        if (value == null || ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("a state value and a positive time to live are required");
        }
        int size;
        try {
            size = ModelJson.mapper().writeValueAsString(value).getBytes(StandardCharsets.UTF_8).length;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("state value is not serializable", e);
        }
        if (size > MAX_VALUE_BYTES) {
            throw new IllegalArgumentException("state value of " + size + " bytes exceeds " + MAX_VALUE_BYTES);
        }
        Instant expiresAt = clock.instant().plus(ttl);
        entries.put(key, new Entry(value.deepCopy(), expiresAt));
        return expiresAt;
    }

    /** Puts a value written elsewhere (read back from durable storage) with the expiry it was written with. */
    public void restore(String key, JsonNode value, Instant expiresAt) {
        checkKey(key);
        if (clock.instant().isBefore(expiresAt)) {
            entries.put(key, new Entry(value, expiresAt));
        } else {
            entries.remove(key);
        }
    }

    @Override
    public void delete(String key) {
        remove(key);
    }

    /** {@link #delete}, answering whether a value was held. */
    public boolean remove(String key) {
        checkKey(key);
        return entries.remove(key) != null;
    }

    /** Entries currently held (expired ones included until read); for tests. */
    public int size() {
        return entries.size();
    }

    private static void checkKey(String key) {
        if (key == null || key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
            throw new IllegalArgumentException("state keys are 1-" + MAX_KEY_LENGTH + " characters");
        }
    }
}
