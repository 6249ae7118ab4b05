package io.controlwatch.ingest.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** Ingest limits and timeouts; each overridable by environment variable (e.g. CW_INGEST_MAX_BATCH_SIZE). */
@ConfigMapping(prefix = "cw.ingest")
public interface IngestConfig {

    /** Largest number of events in one batch request. */
    @WithDefault("1000")
    int maxBatchSize();

    /** Largest request body accepted, in bytes (1 MiB). */
    @WithDefault("1048576")
    int maxBodyBytes();

    /**
     * Largest event as stored on Kafka, in bytes: its JSON with the {@code cw*} attributes ingest adds. Below Kafka's
     * default record size (1 MiB, the producer's {@code max.request.size} and the broker's {@code message.max.bytes})
     * with room for the key and headers, so that an event the API accepts is one Kafka takes: a larger one is a 413,
     * never a 503 that a client would retry for ever. A single event in a body under the body limit can exceed it:
     * binary-mode data travels as base64, and ingest adds attributes.
     */
    @WithDefault("1000000")
    int maxEventBytes();

    /** How long a request waits for Kafka to acknowledge its events before answering 503. */
    @WithDefault("20s")
    Duration publishTimeout();

    /** Retry-After sent with a 503 when Kafka cannot take events. */
    @WithDefault("5")
    int retryAfterSeconds();

    /** Bounds of one event's attributes (docs/security.md). */
    Bounds bounds();

    /** Bounds of the JSON itself, enforced while parsing. */
    Json json();

    /** Most field errors listed in one problem; the detail says how many there were in all. */
    @WithDefault("100")
    int maxProblemErrors();

    interface Bounds {
        @WithDefault("256")
        int maxIdLength();

        @WithDefault("1024")
        int maxSourceLength();

        @WithDefault("256")
        int maxTypeLength();

        @WithDefault("256")
        int maxSubjectLength();

        /** datacontenttype, dataschema and extension attribute values. */
        @WithDefault("1024")
        int maxAttributeLength();

        @WithDefault("32")
        int maxExtensions();

        /** How far ahead of this service's clock an event's time may be (source clocks drift a little). */
        @WithDefault("5m")
        Duration maxFutureSkew();
    }

    interface Json {
        /** Deepest nesting of objects and arrays. */
        @WithDefault("64")
        int maxNestingDepth();

        /** Longest number literal, in characters. */
        @WithDefault("100")
        int maxNumberLength();

        /** Longest object key, in characters. */
        @WithDefault("1024")
        int maxNameLength();
    }
}
