package io.controlwatch.ingest.api;

import io.controlwatch.model.Topics;
import io.controlwatch.testsupport.JwtTestResource;
import io.controlwatch.testsupport.KafkaTestResource;
import io.controlwatch.testsupport.TestKafka;
import io.controlwatch.testsupport.TestTokens;
import io.controlwatch.testsupport.TopicReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

/** The ingest API against a real Kafka broker: what a 2xx promises, and every way a request is refused. */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = JwtTestResource.class, restrictToAnnotatedClass = true)
class EventIngestIT {

    static final String SINGLE = "application/cloudevents+json";
    static final String BATCH = "application/cloudevents-batch+json";
    static final String PROBLEM = "application/problem+json";

    static String event(String id, String subject) {
        return """
                {"specversion":"1.0","id":"%s","source":"https://idp.example.com","type":"auth.login",
                 "subject":"%s","time":"2026-11-28T09:00:00Z","datacontenttype":"application/json",
                 "data":{"user":"%s","mfa":false,"outcome":"success"},"tenant":"acme"}""".formatted(id, subject, subject);
    }

    static RequestSpecification asIngest() {
        return given().auth().oauth2(TestTokens.withRoles("ingest"));
    }

    static List<ConsumerRecord<String, String>> eventsTopic() {
        return TopicReader.readAll(TestKafka.bootstrapServers(), Topics.EVENTS);
    }

    @Test
    void acceptsOneEventOnlyOnceKafkaHoldsIt() {
        String id = UUID.randomUUID().toString();

        asIngest().contentType(SINGLE).body(event(id, "alice@example.com"))
                .when().post("/api/v1/events")
                .then().statusCode(202).body("accepted", equalTo(1)).body("ids", contains(id));

        // the 202 came after the broker's ack, so the record is there now, not eventually
        ConsumerRecord<String, String> record = eventsTopic().stream()
                .filter(r -> r.value().contains(id)).findFirst().orElseThrow();
        assertThat(record.key()).isEqualTo("alice@example.com");
        assertThat(record.value()).contains("\"tenant\":\"acme\"");
        assertThat(new String(record.headers().lastHeader("content-type").value())).isEqualTo(SINGLE);
    }

    @Test
    void acceptsABatchAndKeysEventsWithoutSubjectBySource() {
        String a = UUID.randomUUID().toString();
        String b = UUID.randomUUID().toString();
        String noSubject = """
                {"specversion":"1.0","id":"%s","source":"urn:backup:orders-db","type":"backup.completed",
                 "data":{"system":"orders-db","status":"success"}}""".formatted(b);

        asIngest().contentType(BATCH).body("[" + event(a, "bob@example.com") + "," + noSubject + "]")
                .when().post("/api/v1/events")
                .then().statusCode(202).body("accepted", equalTo(2)).body("ids", contains(a, b));

        List<ConsumerRecord<String, String>> records = eventsTopic();
        assertThat(records).filteredOn(r -> r.value().contains(b)).singleElement()
                .satisfies(r -> assertThat(r.key()).isEqualTo("urn:backup:orders-db"));
        assertThat(records).filteredOn(r -> r.value().contains(a)).hasSize(1);
    }

    @Test
    void aFullBatchIsInKafkaOnceEachInItsOrderPerSubjectWithItsSubmitter() {
        String run = UUID.randomUUID().toString();
        List<String> ids = IntStream.range(0, 1000).mapToObj(i -> run + "-" + i).toList();
        String batch = ids.stream().map(id -> event(id, "user" + (id.hashCode() & 7) + "@example.com"))
                .collect(Collectors.joining(",", "[", "]"));

        asIngest().contentType(BATCH).body(batch)
                .when().post("/api/v1/events")
                .then().statusCode(202).body("accepted", equalTo(1000));

        List<ConsumerRecord<String, String>> records = eventsTopic().stream()
                .filter(r -> r.value().contains(run)).toList();
        assertThat(records).hasSize(1000);
        assertThat(records).allSatisfy(r -> {
            assertThat(new String(r.headers().lastHeader("cw-submitter").value())).isNotBlank();
            assertThat(r.value()).contains("\"subject\":\"" + r.key() + "\"");
        });
        // one subject, one partition: its events in the order of the batch
        records.stream().collect(Collectors.groupingBy(ConsumerRecord::key)).forEach((subject, ofSubject) -> {
            List<Integer> positions = ofSubject.stream()
                    .map(r -> ids.indexOf(r.value().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1"))).toList();
            assertThat(positions).as(subject).isSorted().doesNotContain(-1);
        });
        assertThat(records.stream().map(ConsumerRecord::value).distinct()).hasSize(1000);
    }

    @Test
    void refusesABatchWithOneInvalidEventWholeAndNamesIt() {
        String good = UUID.randomUUID().toString();
        String bad = UUID.randomUUID().toString();
        String missingSource = """
                {"specversion":"1.0","id":"%s","type":"auth.login","time":"yesterday"}""".formatted(bad);

        asIngest().contentType(BATCH).body("[" + event(good, "carol@example.com") + "," + missingSource + "]")
                .when().post("/api/v1/events")
                .then().statusCode(400).contentType(PROBLEM)
                .body("type", equalTo("urn:controlwatch:problem:invalid-event"))
                .body("status", equalTo(400))
                .body("errors.find { it.field == 'source' }.index", equalTo(1))
                .body("errors.find { it.field == 'time' }.index", equalTo(1));

        // a later accepted event proves the broker is readable up to after the refused request
        String marker = UUID.randomUUID().toString();
        asIngest().contentType(SINGLE).body(event(marker, "carol@example.com")).post("/api/v1/events").then().statusCode(202);
        List<ConsumerRecord<String, String>> records = eventsTopic();
        assertThat(records).anyMatch(r -> r.value().contains(marker));
        assertThat(records).noneMatch(r -> r.value().contains(good) || r.value().contains(bad));
    }

    @Test
    void namesEveryMissingRequiredAttribute() {
        given().auth().oauth2(TestTokens.withRoles("ingest")).contentType(SINGLE).body("{\"data\":{}}")
                .when().post("/api/v1/events")
                .then().statusCode(400).contentType(PROBLEM)
                .body("errors.field", hasItem("specversion"))
                .body("errors.field", hasItem("id"))
                .body("errors.field", hasItem("source"))
                .body("errors.field", hasItem("type"));
    }

    @Test
    void refusesAKnownEventTypeWhoseDataDoesNotFitItsSchemaNamingTheField() {
        String wrongShape = """
                {"specversion":"1.0","id":"%s","source":"https://idp.example.com","type":"auth.login",
                 "data":{"outcome":"maybe","mfa":"yes"}}""".formatted(UUID.randomUUID());

        asIngest().contentType(SINGLE).body(wrongShape)
                .when().post("/api/v1/events")
                .then().statusCode(400).contentType(PROBLEM)
                .body("type", equalTo("urn:controlwatch:problem:invalid-event"))
                .body("errors.field", hasItem("data.outcome"))
                .body("errors.field", hasItem("data.mfa"))
                .body("errors.find { it.field == 'data.outcome' }.message", containsString("auth.login"))
                .body("detail", containsString("data does not match the schema of `auth.login`"));
        asIngest().contentType(SINGLE).body("""
                {"specversion":"1.0","id":"x","source":"s","type":"auth.login"}""")
                .when().post("/api/v1/events")
                .then().statusCode(400).body("errors[0].field", equalTo("data"));
    }

    @Test
    void acceptsUnknownEventTypesAsTheyAre() {
        String id = UUID.randomUUID().toString();
        asIngest().contentType(SINGLE).body("""
                {"specversion":"1.0","id":"%s","source":"urn:custom","type":"acme.custom.thing","data":{"anything":[1,2]}}"""
                        .formatted(id))
                .when().post("/api/v1/events")
                .then().statusCode(202).body("ids", contains(id));
    }

    @Test
    void refusesMalformedJson() {
        asIngest().contentType(SINGLE).body("{\"specversion\":\"1.0\",")
                .when().post("/api/v1/events")
                .then().statusCode(400).contentType(PROBLEM)
                .body("type", equalTo("urn:controlwatch:problem:malformed-json"))
                .body("detail", containsString("line 1"));
    }

    @Test
    void refusesABatchThatIsNotAnArrayOrTooLong() {
        asIngest().contentType(BATCH).body(event(UUID.randomUUID().toString(), "x"))
                .when().post("/api/v1/events")
                .then().statusCode(400).contentType(PROBLEM).body("type", equalTo("urn:controlwatch:problem:invalid-batch"));

        String tooMany = IntStream.range(0, 1001).mapToObj(i -> "{\"specversion\":\"1.0\",\"id\":\"" + i
                + "\",\"source\":\"s\",\"type\":\"t\"}").collect(Collectors.joining(",", "[", "]"));
        asIngest().contentType(BATCH).body(tooMany)
                .when().post("/api/v1/events")
                .then().statusCode(400).contentType(PROBLEM).body("type", equalTo("urn:controlwatch:problem:batch-too-large"));
    }

    @Test
    void refusesABodyOverOneMebibyte() {
        String padding = "x".repeat(1024 * 1024);
        String huge = "{\"specversion\":\"1.0\",\"id\":\"big\",\"source\":\"s\",\"type\":\"t\",\"data\":{\"pad\":\"" + padding + "\"}}";

        asIngest().contentType(SINGLE).body(huge)
                .when().post("/api/v1/events")
                .then().statusCode(413).contentType(PROBLEM)
                .body("type", equalTo("urn:controlwatch:problem:payload-too-large"));
    }

    @Test
    void refusesAnEventLargerThanKafkaTakesWith413NeverA503() {
        // each body is under the 1 MiB body limit; each event, as stored, over cw.ingest.max-event-bytes (1,000,000)
        String big = UUID.randomUUID().toString();
        String single = "{\"specversion\":\"1.0\",\"id\":\"" + big + "\",\"source\":\"s\",\"type\":\"t\","
                + "\"data\":{\"pad\":\"" + "x".repeat(1_040_000) + "\"}}";
        asIngest().contentType(SINGLE).body(single)
                .when().post("/api/v1/events")
                .then().statusCode(413).contentType(PROBLEM)
                .body("type", equalTo("urn:controlwatch:problem:event-too-large"))
                .body("detail", containsString("at most 1000000 bytes"));

        // in a batch, the event is named by its index, and the small one beside it is not kept either
        String small = UUID.randomUUID().toString();
        String batch = "[" + event(small, "frank@example.com") + "," + single.replace(big, big + "-b")
                .replace("x".repeat(1_040_000), "x".repeat(1_000_500)) + "]";
        asIngest().contentType(BATCH).body(batch)
                .when().post("/api/v1/events")
                .then().statusCode(413).contentType(PROBLEM)
                .body("type", equalTo("urn:controlwatch:problem:event-too-large"))
                .body("errors[0].index", equalTo(1));

        // binary mode: 800,000 bytes of data that is not JSON travel as base64, over 1,000,000
        byte[] data = new byte[800_000];
        asIngest().contentType("application/octet-stream").header("ce-specversion", "1.0").header("ce-id", big + "-c")
                .header("ce-source", "s").header("ce-type", "t").body(data)
                .when().post("/api/v1/events")
                .then().statusCode(413).body("type", equalTo("urn:controlwatch:problem:event-too-large"));

        String marker = UUID.randomUUID().toString();
        asIngest().contentType(SINGLE).body(event(marker, "frank@example.com")).post("/api/v1/events").then().statusCode(202);
        List<ConsumerRecord<String, String>> records = eventsTopic();
        assertThat(records).anyMatch(r -> r.value().contains(marker));
        assertThat(records).noneMatch(r -> r.value().contains(big) || r.value().contains(small));
    }

    @Test
    void refusesOtherMediaTypes() {
        asIngest().contentType(ContentType.JSON).body(event("e", "x"))
                .when().post("/api/v1/events")
                .then().statusCode(415).contentType(PROBLEM)
                .body("type", equalTo("urn:controlwatch:problem:unsupported-media-type"));
    }

    @Test
    void needsAValidTokenWithTheIngestRole() {
        String body = event(UUID.randomUUID().toString(), "dave@example.com");

        given().contentType(SINGLE).body(body).when().post("/api/v1/events")
                .then().statusCode(401).contentType(PROBLEM).header("WWW-Authenticate", containsString("Bearer"));
        given().auth().oauth2("not-a-jwt").contentType(SINGLE).body(body).when().post("/api/v1/events")
                .then().statusCode(401).contentType(PROBLEM);
        given().auth().oauth2(TestTokens.expired("ingest")).contentType(SINGLE).body(body).when().post("/api/v1/events")
                .then().statusCode(401).contentType(PROBLEM);
        given().auth().oauth2(TestTokens.signedByUnknownKey("ingest")).contentType(SINGLE).body(body).when().post("/api/v1/events")
                .then().statusCode(401).contentType(PROBLEM);
        for (String role : List.of("analyst", "auditor", "admin")) {
            given().auth().oauth2(TestTokens.withRoles(role)).contentType(SINGLE).body(body).when().post("/api/v1/events")
                    .then().statusCode(403).contentType(PROBLEM).body("type", equalTo("urn:controlwatch:problem:forbidden"));
        }
        assertThat(eventsTopic()).noneMatch(r -> r.value().contains("dave@example.com"));
    }

    @Test
    void healthAndMetricsNeedNoTokenAndCountEvents() {
        asIngest().contentType(SINGLE).body(event(UUID.randomUUID().toString(), "erin@example.com"))
                .post("/api/v1/events").then().statusCode(202);
        asIngest().contentType(SINGLE).body("nope").post("/api/v1/events").then().statusCode(400);

        given().when().get("/q/health/ready").then().statusCode(200);
        given().when().get("/q/health/live").then().statusCode(200);
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("cw_events_accepted_total"))
                .body(containsString("cw_events_rejected_total{reason=\"malformed-json\"}"));
    }
}
