package io.controlwatch.sources;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.Optional;

/**
 * Small durable state some mappings need across deliveries: the GitHub adapter keeps the reviews it saw per pull
 * request (to count approvals at merge), the branch-protection rules it saw per repository (to tell whether a push
 * hit a protected branch) and recent merge commits; the Okta adapter keeps which sign-in sessions verified a second
 * factor. Ingest backs it with PostgreSQL; {@link InMemoryAdapterStateStore} serves tests.
 *
 * <p>Keys start with the source's registry id, so sources never share state. Values are small JSON documents:
 * implementations refuse keys longer than {@link #MAX_KEY_LENGTH} and values larger than {@link #MAX_VALUE_BYTES}
 * (serialized), and drop entries whose time to live has passed. The adapters keep their values within these bounds
 * themselves (e.g. at most 100 reviewers per pull request), so a refusal is a bug, not hostile input.
 *
 * <p>Limits the documentation states: what happened before the source was connected is unknown (reviews given, rules
 * created before the webhook existed), and state is only as complete as the deliveries the vendor made.
 */
public interface AdapterStateStore {

    int MAX_KEY_LENGTH = 512;
    int MAX_VALUE_BYTES = 16 * 1024;

    Optional<JsonNode> get(String key);

    /** Stores (replaces) a value that expires after {@code ttl}. */
    void put(String key, JsonNode value, Duration ttl);

    void delete(String key);
}
