package io.controlwatch.ingest.api;

import io.controlwatch.model.Topics;
import io.controlwatch.testsupport.JwtTestResource;
import io.controlwatch.testsupport.KafkaTestResource;
import io.controlwatch.testsupport.TestKafka;
import io.controlwatch.testsupport.TestTokens;
import io.controlwatch.testsupport.TopicReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

/**
 * When the real broker refuses a record, the request is a 503 that confirms nothing, the rest of the request is not
 * sent, and the next request goes through. The event and body bounds are raised past Kafka's record size (1 MiB) here,
 * so that a large event reaches the producer (with the default bounds it is a 413 before, see EventIngestIT).
 */
@QuarkusTest
@TestProfile(KafkaRefusalIT.EventBoundPastKafkasRecordSize.class)
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = JwtTestResource.class, restrictToAnnotatedClass = true)
class KafkaRefusalIT {

    public static class EventBoundPastKafkasRecordSize implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("cw.ingest.max-event-bytes", "2000000", "cw.ingest.max-body-bytes", "2000000");
        }
    }

    @Test
    void aRecordKafkaRefusesIsA503ThatConfirmsNothingAndTheNextRequestGoesThrough() {
        String run = UUID.randomUUID().toString();
        String big = "{\"specversion\":\"1.0\",\"id\":\"" + run + "-big\",\"source\":\"urn:refusal\",\"type\":\"t\","
                + "\"data\":{\"pad\":\"" + "x".repeat(1_100_000) + "\"}}";
        // the producer refuses the first record (larger than max.request.size): the second is never sent
        String batch = "[" + big + "," + EventIngestIT.event(run + "-small", "gina@example.com") + "]";

        given().auth().oauth2(TestTokens.withRoles("ingest")).contentType(EventIngestIT.BATCH).body(batch)
                .when().post("/api/v1/events")
                .then().statusCode(503).contentType(EventIngestIT.PROBLEM)
                .header("Retry-After", notNullValue())
                .body("type", equalTo("urn:controlwatch:problem:event-store-unavailable"));

        String next = UUID.randomUUID().toString();
        given().auth().oauth2(TestTokens.withRoles("ingest")).contentType(EventIngestIT.SINGLE)
                .body(EventIngestIT.event(next, "gina@example.com"))
                .when().post("/api/v1/events")
                .then().statusCode(202);

        List<ConsumerRecord<String, String>> records = TopicReader.readAll(TestKafka.bootstrapServers(), Topics.EVENTS);
        assertThat(records).anyMatch(r -> r.value().contains(next));
        assertThat(records).noneMatch(r -> r.value().contains(run));
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("cw_events_rejected_total{reason=\"event-store-unavailable\"} 2.0"));
    }
}
