package io.controlwatch.alerting.api;

import io.controlwatch.testsupport.JwtTestResource;
import io.controlwatch.testsupport.KafkaTestResource;
import io.controlwatch.testsupport.PostgresTestResource;
import io.controlwatch.testsupport.TestPostgres;
import io.controlwatch.testsupport.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

import static io.controlwatch.alerting.api.ReportApiIT.packVersion;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * {@code GET /api/v1/samples}: the sample is what the documented algorithm gives when recomputed here from the stored
 * rows (HMAC-SHA256 ranks, SHA-256 population hash, written from docs/auditors.md, not from the service's code); the
 * same seed gives the same sample, another seed another; a new row changes the population hash; size rules.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = JwtTestResource.class, restrictToAnnotatedClass = true)
class SampleApiIT {

    static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
    static final String BIG = "sample-big-" + SUFFIX;
    static final String SMALL = "sample-small-" + SUFFIX;
    static final String LATER = "sample-later-" + SUFFIX;
    static final String DAILY = "sample-daily-" + SUFFIX;
    static final String FROM = "2026-04-01T00:00:00Z";
    static final String TO = "2026-04-02T00:00:00Z";

    @BeforeAll
    static void insertRows() throws Exception {
        StringBuilder sql = new StringBuilder();
        for (String control : List.of(BIG, SMALL, LATER, DAILY)) {
            sql.append("insert into control (control_id, version, title, criteria, severity, updated_at) values ('%s', 'v', 't', '{CC7.2}', 'high', now());\n"
                    .formatted(control));
        }
        // BIG: 300 in the period, 20 either side of it (not in the population); SMALL: 3; LATER: 100 (one added later)
        rows(sql, BIG, 300, "2026-04-01T00:00:00Z", 280);
        rows(sql, BIG, 10, "2026-03-31T23:00:00Z", 300);
        rows(sql, BIG, 10, "2026-04-02T00:00:00Z", 300);
        rows(sql, SMALL, 3, "2026-04-01T06:00:00Z", 60);
        rows(sql, LATER, 100, "2026-04-01T06:00:00Z", 60);
        rows(sql, DAILY, 40, "2026-04-01T06:00:00Z", 60);
        // DAILY and SMALL are daily in the version in force at TO; weekly before it, monthly in a version activated
        // after TO, and the newest version before TO does not contain them (the latest that does decides); BIG is
        // in no archived pack version
        packVersion(sql, "sha256:sample-old-" + SUFFIX, "2026-03-01T00:00:00Z",
                pack("weekly", DAILY, SMALL));
        packVersion(sql, "sha256:sample-in-force-" + SUFFIX, "2026-03-20T00:00:00Z", pack("daily", DAILY, SMALL));
        packVersion(sql, "sha256:sample-other-" + SUFFIX, "2026-03-25T00:00:00Z", pack("hourly", "another-control"));
        packVersion(sql, "sha256:sample-after-" + SUFFIX, "2026-04-05T00:00:00Z", pack("monthly", DAILY, SMALL));
        execute(sql.toString());
    }

    static String pack(String frequency, String... controls) {
        StringBuilder yaml = new StringBuilder("pack: soc2-core\ncontrols:\n");
        for (String control : controls) {
            yaml.append("  - id: ").append(control).append("\n    frequency: ").append(frequency).append('\n');
        }
        return yaml.toString();
    }

    static void rows(StringBuilder sql, String control, int count, String start, int secondsApart) {
        sql.append("""
                insert into control_execution (execution_id, control_id, control_version, criteria, result, subject,
                    event_id, event_source, event_type, event_time, ingest_time, evaluated_at)
                select gen_random_uuid(), '%1$s', 'v', '{CC7.2}', case when n %% 7 = 0 then 'FAIL' else 'PASS' end,
                       'user-' || n, 'e-' || n, 'urn:test', 'auth.login',
                       timestamptz '%3$s' + make_interval(secs => n * %4$d),
                       timestamptz '%3$s' + make_interval(secs => n * %4$d), timestamptz '%3$s' + make_interval(secs => n * %4$d)
                from generate_series(0, %2$d - 1) n;
                """.formatted(control, count, start, secondsApart));
    }

    static void execute(String sql) throws Exception {
        TestPostgres.Database db = TestPostgres.database();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static List<String> populationIds(String control) throws Exception {
        TestPostgres.Database db = TestPostgres.database();
        List<String> ids = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select execution_id::text from control_execution where control_id = '" + control
                     + "' and event_time >= '" + FROM + "' and event_time < '" + TO + "'")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }

    static JsonPath sample(String control, String... params) {
        var request = given().auth().oauth2(TestTokens.withRoles("auditor")).queryParam("control", control)
                .queryParam("from", FROM).queryParam("to", TO);
        for (int i = 0; i < params.length; i += 2) {
            request = request.queryParam(params[i], params[i + 1]);
        }
        return request.get("/api/v1/samples").then().statusCode(200).extract().jsonPath();
    }

    /** The documented algorithm, as an auditor would script it: sort ids, hash; rank by HMAC, take the smallest. */
    static List<String> expectedSample(List<String> ids, String seed, int size) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(seed.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        List<String[]> ranked = new ArrayList<>();
        for (String id : ids) {
            ranked.add(new String[]{HexFormat.of().formatHex(mac.doFinal(id.getBytes(StandardCharsets.UTF_8))), id});
        }
        ranked.sort((a, b) -> a[0].compareTo(b[0])); // lower-case hex of equal length sorts as the number does
        return ranked.stream().limit(size).map(r -> r[1]).toList();
    }

    static String expectedHash(List<String> ids) throws Exception {
        List<String> sorted = new ArrayList<>(ids);
        sorted.sort(null); // ASCII ids: UTF-16 order is byte order
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (String id : sorted) {
            sha.update((id + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    @Test
    void drawsWhatTheDocumentedAlgorithmGivesAndTheSameForTheSameSeed() throws Exception {
        List<String> population = populationIds(BIG);
        assertThat(population).hasSize(300);
        JsonPath first = sample(BIG, "seed", "audit-2026", "size", "25");
        assertThat(first.getString("controlId")).isEqualTo(BIG);
        assertThat(first.getString("from")).isEqualTo(FROM);
        assertThat(first.getLong("populationSize")).isEqualTo(300);
        assertThat(first.getString("populationSha256")).isEqualTo(expectedHash(population));
        assertThat(first.getString("seed")).isEqualTo("audit-2026");
        assertThat(first.getBoolean("seedGenerated")).isFalse();
        assertThat(first.getInt("size")).isEqualTo(25);
        assertThat(first.getString("sizeRule")).isEqualTo("requested");
        assertThat(first.getString("algorithm")).startsWith("cw-sample-1");
        List<String> ids = first.getList("items.executionId");
        assertThat(ids).isEqualTo(expectedSample(population, "audit-2026", 25));
        assertThat(first.getList("items.controlId", String.class)).containsOnly(BIG);
        assertThat(first.getList("items.eventTime", String.class))
                .allMatch(t -> t.compareTo(FROM) >= 0 && t.compareTo(TO) < 0);
        assertThat(first.getList("ranks")).hasSize(25);

        JsonPath again = sample(BIG, "seed", "audit-2026", "size", "25");
        assertThat(again.getList("items.executionId")).isEqualTo(ids);
        assertThat(again.getList("ranks")).isEqualTo(first.getList("ranks"));
        assertThat(again.getString("populationSha256")).isEqualTo(first.getString("populationSha256"));

        List<String> other = sample(BIG, "seed", "audit-2027", "size", "25").getList("items.executionId");
        assertThat(other).isNotEqualTo(ids).isEqualTo(expectedSample(population, "audit-2027", 25));
        // a larger sample keeps the smaller one: the items already tested stay tested
        assertThat(sample(BIG, "seed", "audit-2026", "size", "35").getList("items.executionId", String.class)
                .subList(0, 25)).isEqualTo(ids);
    }

    @Test
    void generatesAndReturnsASeedAndDefaultsTheSizeNeverAboveThePopulation() {
        JsonPath drawn = sample(BIG);
        assertThat(drawn.getBoolean("seedGenerated")).isTrue();
        assertThat(drawn.getString("seed")).hasSize(32);
        assertThat(drawn.getInt("size")).isEqualTo(60);
        // BIG is in no archived pack version: the continuous row, and the rule says why
        assertThat(drawn.getString("sizeRule")).isEqualTo("default for continuous controls: no archived pack version "
                + "in force at the period's end gives this control's frequency");
        assertThat(drawn.getList("items")).hasSize(60);
        // the returned seed re-draws the same sample
        assertThat(sample(BIG, "seed", drawn.getString("seed")).getList("items.executionId"))
                .isEqualTo(drawn.getList("items.executionId"));
        assertThat(sample(BIG).getString("seed")).isNotEqualTo(drawn.getString("seed"));

        JsonPath small = sample(SMALL, "seed", "s");
        assertThat(small.getLong("populationSize")).isEqualTo(3);
        assertThat(small.getString("sizeRule")).isEqualTo("default for daily controls");
        assertThat(small.getList("items")).hasSize(3);
        assertThat(sample(SMALL, "seed", "s", "size", "2").getList("items")).hasSize(2);
        JsonPath none = given().auth().oauth2(TestTokens.withRoles("auditor")).queryParam("control", SMALL)
                .queryParam("from", "2027-01-01T00:00:00Z").queryParam("to", "2027-01-02T00:00:00Z")
                .get("/api/v1/samples").then().statusCode(200).extract().jsonPath();
        assertThat(none.getLong("populationSize")).isZero();
        assertThat(none.getList("items")).isEmpty();
    }

    @Test
    void defaultsTheSizeByTheFrequencyOfTheControlInThePackVersionInForceAtThePeriodsEnd() throws Exception {
        JsonPath daily = sample(DAILY, "seed", "daily-seed");
        assertThat(daily.getLong("populationSize")).isEqualTo(40);
        assertThat(daily.getInt("size")).isEqualTo(25);
        assertThat(daily.getString("sizeRule")).isEqualTo("default for daily controls");
        assertThat(daily.getList("items.executionId", String.class))
                .isEqualTo(expectedSample(populationIds(DAILY), "daily-seed", 25));
        // a size asked for still wins
        assertThat(sample(DAILY, "seed", "daily-seed", "size", "30").getString("sizeRule")).isEqualTo("requested");
        // a period ending while the older version was in force: weekly, 10
        JsonPath earlier = given().auth().oauth2(TestTokens.withRoles("auditor")).queryParam("control", DAILY)
                .queryParam("from", "2026-03-10T00:00:00Z").queryParam("to", "2026-03-11T00:00:00Z")
                .get("/api/v1/samples").then().statusCode(200).extract().jsonPath();
        assertThat(earlier.getInt("size")).isEqualTo(10);
        assertThat(earlier.getString("sizeRule")).isEqualTo("default for weekly controls");
    }

    @Test
    void aRowAddedToThePeriodChangesThePopulationHash() throws Exception {
        JsonPath before = sample(LATER, "seed", "fixed", "size", "10");
        assertThat(before.getLong("populationSize")).isEqualTo(100);
        execute("""
                insert into control_execution (execution_id, control_id, control_version, criteria, result, subject,
                    event_id, event_source, event_type, event_time, ingest_time, evaluated_at)
                values (gen_random_uuid(), '%s', 'v', '{CC7.2}', 'PASS', 'late-user', 'e-late', 'urn:test', 'auth.login',
                    '2026-04-01T23:00:00Z', now(), now());
                """.formatted(LATER));
        JsonPath after = sample(LATER, "seed", "fixed", "size", "10");
        assertThat(after.getLong("populationSize")).isEqualTo(101);
        assertThat(after.getString("populationSha256")).isNotEqualTo(before.getString("populationSha256"))
                .isEqualTo(expectedHash(populationIds(LATER)));
    }

    @Test
    void refusesBadParametersUnknownControlsAndOtherRoles() {
        String path = "/api/v1/samples";
        given().auth().oauth2(TestTokens.withRoles("auditor")).queryParam("from", FROM).queryParam("to", TO).get(path)
                .then().statusCode(400).body("errors[0].field", equalTo("control"));
        given().auth().oauth2(TestTokens.withRoles("auditor")).queryParam("control", BIG).queryParam("to", TO).get(path)
                .then().statusCode(400).body("errors[0].field", equalTo("from"));
        given().auth().oauth2(TestTokens.withRoles("auditor")).queryParam("control", BIG).queryParam("from", FROM)
                .queryParam("to", "2027-06-01T00:00:00Z").get(path).then().statusCode(400).body("errors[0].field", equalTo("to"));
        for (String size : List.of("0", "10001", "ten")) {
            given().auth().oauth2(TestTokens.withRoles("auditor")).queryParam("control", BIG).queryParam("from", FROM)
                    .queryParam("to", TO).queryParam("size", size).get(path).then().statusCode(400)
                    .body("errors[0].field", equalTo("size"));
        }
        given().auth().oauth2(TestTokens.withRoles("auditor")).queryParam("control", BIG).queryParam("from", FROM)
                .queryParam("to", TO).queryParam("seed", "s".repeat(257)).get(path).then().statusCode(400)
                .body("errors[0].field", equalTo("seed"));
        given().auth().oauth2(TestTokens.withRoles("auditor")).queryParam("control", "no-such-control")
                .queryParam("from", FROM).queryParam("to", TO).get(path).then().statusCode(404)
                .body("type", equalTo("urn:controlwatch:problem:unknown-control"));
        for (String role : List.of("analyst", "admin")) {
            given().auth().oauth2(TestTokens.withRoles(role)).queryParam("control", SMALL).queryParam("from", FROM)
                    .queryParam("to", TO).get(path).then().statusCode(200);
        }
        for (String role : List.of("ingest", "oncall")) {
            given().auth().oauth2(TestTokens.withRoles(role)).queryParam("control", SMALL).queryParam("from", FROM)
                    .queryParam("to", TO).get(path).then().statusCode(403);
        }
    }
}
