package io.controlwatch.alerting.api;

import io.controlwatch.model.DeadLetterHeaders;
import io.controlwatch.model.ModelJson;
import io.controlwatch.model.PackVersion;
import io.controlwatch.model.Topics;
import io.controlwatch.testsupport.JwtTestResource;
import io.controlwatch.testsupport.KafkaTestResource;
import io.controlwatch.testsupport.PostgresTestResource;
import io.controlwatch.testsupport.TestKafka;
import io.controlwatch.testsupport.TestPostgres;
import io.controlwatch.testsupport.TestTokens;
import io.controlwatch.testsupport.TopicReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The catalog follows the evaluation service's pack registry on the real topic: the newest activation decides which
 * controls are active, an older pointer read later (a replay, a slow instance) never undoes it, version records are
 * not pointers, and an unreadable pointer is dead-lettered with its reason while the consumer goes on.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = JwtTestResource.class, restrictToAnnotatedClass = true)
class ActivePackIT {

    static final Duration WAIT = Duration.ofSeconds(30);

    static void control(String id, String packVersion) throws Exception {
        TestPostgres.Database db = TestPostgres.database();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             Statement s = c.createStatement()) {
            s.execute("""
                    insert into control (control_id, version, title, criteria, severity, pack, pack_version, updated_at)
                    values ('%s', 'sha256:c', 'Pack pointer control', '{CC8.1}', 'low', 'soc2-core', '%s', now())
                    """.formatted(id, packVersion));
        }
    }

    static String pointer(String version, Instant activatedAt) throws Exception {
        return ModelJson.mapper().writeValueAsString(new PackVersion("soc2-core", version, "pack: soc2-core", "api",
                "it-admin", activatedAt, null));
    }

    static Map<String, Object> shown(String id) {
        List<Map<String, Object>> controls = given().auth().oauth2(TestTokens.withRoles("auditor"))
                .get("/api/v1/controls").then().statusCode(200).extract().path("");
        return controls.stream().filter(c -> id.equals(c.get("controlId"))).findFirst().orElseThrow();
    }

    @Test
    void theNewestActivationDecidesAndAnUnreadablePointerIsDeadLettered() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String newer = "sha256:new-" + suffix;
        String older = "sha256:old-" + suffix;
        String kept = "cc8.1-kept-" + suffix;
        String dropped = "cc8.1-dropped-" + suffix;
        control(kept, newer);
        control(dropped, older);
        Instant now = Instant.now();

        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(Topics.PACKS, PackVersion.ACTIVE_KEY, pointer(newer, now))).get();
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(shown(kept)).containsEntry("status", "active").containsEntry("packVersion", newer);
                assertThat(shown(dropped)).containsEntry("status", "retired").containsEntry("packVersion", older);
            });

            // on the same partition, in this order: an older activation, a version record, an unreadable pointer
            producer.send(new ProducerRecord<>(Topics.PACKS, PackVersion.ACTIVE_KEY,
                    pointer(older, now.minus(Duration.ofHours(1))))).get();
            producer.send(new ProducerRecord<>(Topics.PACKS, PackVersion.VERSION_KEY_PREFIX + suffix, "not read here")).get();
            producer.send(new ProducerRecord<>(Topics.PACKS, PackVersion.ACTIVE_KEY, "{\"name\":\"" + suffix + "\"}")).get();
        }

        await().atMost(WAIT).untilAsserted(() -> assertThat(
                TopicReader.readAll(TestKafka.bootstrapServers(), Topics.CONTROLS_DEAD_LETTER).stream()
                        .filter(r -> r.value() != null && r.value().contains(suffix)).toList())
                .singleElement().satisfies(r -> {
                    assertThat(r.key()).isEqualTo(PackVersion.ACTIVE_KEY);
                    assertThat(new String(r.headers().lastHeader(DeadLetterHeaders.REASON_CODE).value(),
                            StandardCharsets.UTF_8)).isEqualTo("invalid-pack-pointer");
                }));
        // the older pointer was read before the dead-lettered one, and changed nothing
        assertThat(shown(kept)).containsEntry("status", "active");
        assertThat(shown(dropped)).containsEntry("status", "retired");
        given().auth().oauth2(TestTokens.withRoles("auditor")).queryParam("status", "retired").get("/api/v1/controls")
                .then().statusCode(200).body("controlId", org.hamcrest.Matchers.hasItem(dropped))
                .body("controlId", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasItem(kept)));
    }
}
