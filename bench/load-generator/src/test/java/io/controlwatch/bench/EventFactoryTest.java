package io.controlwatch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.controlwatch.model.CloudEventValidator;
import io.controlwatch.model.ExecutionIds;
import io.controlwatch.model.ModelJson;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class EventFactoryTest {

    final EventFactory factory = new EventFactory("r1", 42, 0.8, 0.2);

    @Test
    void everyEventIsAValidCloudEventOfItsRunAndKind() throws Exception {
        JsonNode batch = ModelJson.mapper().readTree(factory.batch(0, 500, Instant.parse("2026-11-28T09:15:00.123456789Z")));
        assertThat(batch).hasSize(500);
        for (int seq = 0; seq < 500; seq++) {
            JsonNode event = batch.get(seq);
            assertThat(CloudEventValidator.validate(event)).isEmpty();
            assertThat(event.get("id").asText()).isEqualTo("r1-" + seq);
            assertThat(event.get("source").asText()).isEqualTo("urn:cw-bench:r1");
            assertThat(event.get("time").asText()).isEqualTo("2026-11-28T09:15:00.123456Z");
            EventFactory.Kind kind = factory.kind(seq);
            JsonNode data = event.get("data");
            switch (kind) {
                case VIOLATING_LOGIN -> assertThat(data.get("mfa").asBoolean()).isFalse();
                case COMPLIANT_LOGIN -> assertThat(data.get("mfa").asBoolean()).isTrue();
                case FAILED_LOGIN -> assertThat(data.get("outcome").asText()).isEqualTo("failure");
                default -> assertThat(event.get("type").asText()).isNotEqualTo("auth.login");
            }
            if (kind.isLogin()) {
                assertThat(data.get("outcome").asText()).isEqualTo(kind == EventFactory.Kind.FAILED_LOGIN ? "failure" : "success");
                assertThat(factory.executionId(seq)).isEqualTo(
                        ExecutionIds.of("cc6.1-console-login-mfa", "urn:cw-bench:r1", "r1-" + seq));
            } else {
                assertThat(factory.executionId(seq)).isNull();
            }
        }
    }

    @Test
    void sharesFollowTheSettingsAndTheSameSeedGivesTheSameEvents() {
        Map<EventFactory.Kind, Integer> counts = new EnumMap<>(EventFactory.Kind.class);
        for (int seq = 0; seq < 100_000; seq++) {
            counts.merge(factory.kind(seq), 1, Integer::sum);
        }
        assertThat(counts.get(EventFactory.Kind.VIOLATING_LOGIN)).isBetween(19_000, 21_000);
        int logins = counts.get(EventFactory.Kind.VIOLATING_LOGIN) + counts.get(EventFactory.Kind.COMPLIANT_LOGIN)
                + counts.get(EventFactory.Kind.FAILED_LOGIN);
        assertThat(logins).isBetween(79_000, 81_000);

        Instant t = Instant.now();
        assertThat(new EventFactory("r1", 42, 0.8, 0.2).batch(10, 20, t)).isEqualTo(factory.batch(10, 20, t));
        assertThat(new EventFactory("r1", 43, 0.8, 0.2).batch(10, 20, t)).isNotEqualTo(factory.batch(10, 20, t));
    }

    @Test
    void sequenceNumbersAreReadBackFromIdsAndRecords() {
        assertThat(factory.seqOf("r1-1234")).isEqualTo(1234);
        assertThat(factory.seqOf("r2-1234")).isEqualTo(-1);
        assertThat(factory.seqOf("r1-")).isEqualTo(-1);
        assertThat(TopicAudit.seqAfter("{\"eventId\":\"r1-77\",\"x\":1}", "\"eventId\":\"r1-")).isEqualTo(77);
        assertThat(TopicAudit.seqAfter("{\"eventId\":\"r1-77x\"}", "\"eventId\":\"r1-")).isEqualTo(-1);
        assertThat(TopicAudit.seqAfter("{\"id\":\"r10-77\"}", "\"id\":\"r1-")).isEqualTo(-1);
    }
}
