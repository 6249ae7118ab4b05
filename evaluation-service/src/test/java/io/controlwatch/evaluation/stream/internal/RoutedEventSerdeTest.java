package io.controlwatch.evaluation.stream.internal;

import io.controlwatch.engine.EventRef;
import io.controlwatch.engine.RoutedEvent;
import io.controlwatch.model.ModelJson;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The repartition topic's binary form: every field back as it went in, the earlier JSON still read, bad bytes refused. */
class RoutedEventSerdeTest {

    static final RoutedEventSerde SERDE = new RoutedEventSerde();

    static RoutedEvent full() {
        return new RoutedEvent("cc7.2-failed-login-burst", "sha256:9f2c", RoutedEvent.COUNT, "bob@example.com",
                "198.51.100.7", new EventRef("e-1", "https://okta.example.com", "auth.login.failed",
                Instant.parse("2026-03-02T10:00:00.123456789Z"), Instant.parse("2026-03-02T10:00:01Z"),
                "okta-poller", true));
    }

    static RoutedEvent sparse() {
        // what may be absent is: distinct (not a distinct count), submitter, and a key of unusual text
        return new RoutedEvent("cc2.1-event-source-silent", "v1", RoutedEvent.EXPECTED, "ünïcödé 🔑 \u0000 key", null,
                new EventRef("e-2", "urn:s", "source.heartbeat", Instant.ofEpochSecond(-5, 7), Instant.EPOCH, null,
                        false));
    }

    static RoutedEvent roundTrip(RoutedEvent r) {
        byte[] bytes = SERDE.serializer().serialize("t", r);
        return SERDE.deserializer().deserialize("t", bytes);
    }

    @Test
    void everyFieldComesBackAsItWentIn() {
        for (RoutedEvent r : List.of(full(), sparse())) {
            assertThat(roundTrip(r)).isEqualTo(r);
        }
        assertThat(SERDE.serializer().serialize("t", null)).isNull();
        assertThat(SERDE.deserializer().deserialize("t", null)).isNull();
    }

    @Test
    void theJsonWrittenBeforeIsStillRead() throws Exception {
        for (RoutedEvent r : List.of(full(), sparse())) {
            byte[] json = ModelJson.mapper().writeValueAsBytes(r);
            assertThat(SERDE.deserializer().deserialize("t", json)).isEqualTo(r);
        }
    }

    @Test
    void isSmallerThanTheJson() throws Exception {
        assertThat(SERDE.serializer().serialize("t", full()).length)
                .isLessThan(ModelJson.mapper().writeValueAsBytes(full()).length * 3 / 4);
    }

    @Test
    void bytesThatAreNoRoutedEventAreRefusedWithASerializationError() {
        byte[] good = SERDE.serializer().serialize("t", full());
        for (byte[] bad : List.of(new byte[0], new byte[]{9, 1, 2}, Arrays.copyOf(good, good.length - 1),
                Arrays.copyOf(good, good.length + 1), Arrays.copyOf(good, 3), "{not json".getBytes())) {
            assertThatThrownBy(() -> SERDE.deserializer().deserialize("t", bad)).as(Arrays.toString(bad))
                    .isInstanceOf(SerializationException.class);
        }
        byte[] hugeLength = good.clone();
        hugeLength[1] = 0x7f; // the first string claims ~2 GB
        assertThatThrownBy(() -> SERDE.deserializer().deserialize("t", hugeLength))
                .isInstanceOf(SerializationException.class);
    }
}
