package io.controlwatch.alerting.api;

import io.controlwatch.testsupport.JwtTestResource;
import io.controlwatch.testsupport.KafkaTestResource;
import io.controlwatch.testsupport.PostgresTestResource;
import io.controlwatch.testsupport.TestPostgres;
import io.controlwatch.testsupport.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

/**
 * The whole population through {@code GET /api/v1/executions}: 10,000 stored executions paged with filters, every
 * row exactly once and newest first; errors visible with their reason; one execution with its evidence.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = JwtTestResource.class, restrictToAnnotatedClass = true)
class ExecutionApiIT {

    static final String CONTROL = "cc7.2-paging-" + UUID.randomUUID().toString().substring(0, 8);
    static final int ROWS = 10_000;

    /** 10,000 executions of one control, two per second; every 10th fails, every 100th is an error. */
    static void insertRows() throws Exception {
        TestPostgres.Database db = TestPostgres.database();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             Statement s = c.createStatement()) {
            s.execute("""
                    insert into control (control_id, version, title, criteria, severity, updated_at)
                    values ('%1$s', 'sha256:v', 'Paging control', '{CC7.2}', 'high', now()) on conflict do nothing;
                    insert into control_execution (execution_id, control_id, control_version, criteria, result, reason,
                        subject, event_id, event_source, event_type, event_time, ingest_time, evaluated_at, pack,
                        pack_version, evidence_event_ids, late, submitter)
                    select gen_random_uuid(), '%1$s', 'sha256:v', '{CC7.2}',
                           case when n %% 100 = 0 then 'ERROR' when n %% 10 = 0 then 'FAIL' else 'PASS' end,
                           case when n %% 100 = 0 then 'evaluation error: no such key: user' end,
                           'user-' || (n %% 7), 'e-' || n, 'urn:paging', 'auth.login',
                           timestamptz '2026-06-01T00:00:00Z' + make_interval(secs => n / 2),
                           timestamptz '2026-06-01T00:00:00Z' + make_interval(secs => n / 2),
                           timestamptz '2026-06-01T00:00:00Z' + make_interval(secs => n / 2), 'soc2-core', 'sha256:p',
                           '["e-' || n || '","w-' || (n / 50) || '"]', n %% 500 = 0, 'paging-test'
                    from generate_series(1, %2$d) n;
                    """.formatted(CONTROL, ROWS));
        }
    }

    static JsonPath page(String... params) {
        var request = given().auth().oauth2(TestTokens.withRoles("auditor")).queryParam("control", CONTROL);
        for (int i = 0; i < params.length; i += 2) {
            request = request.queryParam(params[i], params[i + 1]);
        }
        return request.get("/api/v1/executions").then().statusCode(200).extract().jsonPath();
    }

    @Test
    void pagesThroughTheWholePopulationWithFiltersEachRowOnceNewestFirst() throws Exception {
        given().auth().oauth2(TestTokens.withRoles("auditor")).get("/api/v1/controls").then().statusCode(200);
        insertRows();

        List<String> ids = new ArrayList<>();
        List<String> times = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonPath page = cursor == null ? page("limit", "777") : page("limit", "777", "cursor", cursor);
            ids.addAll(page.getList("items.executionId"));
            times.addAll(page.getList("items.eventTime"));
            cursor = page.getString("next");
            assertThat(page.getBoolean("hasMore")).isEqualTo(cursor != null);
            pages++;
        } while (cursor != null);
        assertThat(ids).hasSize(ROWS);
        assertThat(new HashSet<>(ids)).hasSize(ROWS);
        assertThat(pages).isEqualTo((ROWS + 776) / 777);
        List<String> sorted = new ArrayList<>(times);
        sorted.sort(java.util.Comparator.reverseOrder());
        assertThat(times).isEqualTo(sorted);

        Set<String> failures = new HashSet<>();
        cursor = null;
        do {
            JsonPath page = cursor == null ? page("result", "FAIL", "limit", "200") : page("result", "FAIL", "limit", "200", "cursor", cursor);
            assertThat(page.getList("items.result", String.class)).containsOnly("FAIL");
            failures.addAll(page.getList("items.executionId"));
            cursor = page.getString("next");
        } while (cursor != null);
        assertThat(failures).hasSize(ROWS / 10 - ROWS / 100);

        JsonPath errors = page("result", "error", "limit", "1000");
        assertThat(errors.getList("items")).hasSize(ROWS / 100);
        assertThat(errors.getList("items.reason", String.class)).allMatch(r -> r.contains("no such key"));
        assertThat(page("late", "true", "limit", "1000").getList("items")).hasSize(ROWS / 500);
        // the rare ones by an index of their own, not by walking every execution (V28)
        for (String[] filter : new String[][] {{"result = 'ERROR'", "control_execution_errors"},
                {"late = true", "control_execution_late"}}) {
            assertThat(TestPostgres.plan("select * from control_execution where " + filter[0]
                    + " order by event_time desc, execution_id desc limit 101", List.of())).as(filter[0])
                    .contains(filter[1]).doesNotContain("Seq Scan");
        }
        assertThat(page("subject", "user-3", "from", "2026-06-01T00:00:00Z", "to", "2026-06-01T00:10:00Z", "limit", "1000")
                .getList("items.subject", String.class)).isNotEmpty().containsOnly("user-3");
        // an event counted in a window is found by its id among the evidence of other executions
        assertThat(page("eventId", "w-7", "limit", "1000").getList("items")).hasSize(50);

        String id = ids.get(123);
        given().auth().oauth2(TestTokens.withRoles("analyst")).get("/api/v1/executions/" + id).then().statusCode(200)
                .body("executionId", equalTo(id)).body("controlId", equalTo(CONTROL))
                .body("controlVersion", equalTo("sha256:v")).body("packVersion", equalTo("sha256:p"))
                .body("evidenceEventIds", hasSize(2)).body("submitter", equalTo("paging-test"));
    }

    /**
     * The executions of one event, whatever the id holds, each half of the lookup by an index: the deciding event by
     * event_id's, the evidence by V27's. As one OR with a LIKE on the evidence's text, every lookup read the whole
     * table (issue 14: a read whose cost grows with history).
     */
    @Test
    void findsTheExecutionsOfAnEventByIndexWhateverItsId() throws Exception {
        String control = "cc7.2-event-" + UUID.randomUUID().toString().substring(0, 8);
        String odd = "odd\"id%_\\" + UUID.randomUUID();
        TestPostgres.Database db = TestPostgres.database();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             var insert = c.prepareStatement("""
                     insert into control_execution (execution_id, control_id, control_version, criteria, result,
                         subject, event_id, event_source, event_type, event_time, ingest_time, evaluated_at,
                         evidence_event_ids)
                     values (gen_random_uuid(), ?, 'sha256:v', '{CC7.2}', ?, 'someone', ?, 'urn:event-lookup',
                             'auth.login', now(), now(), now(), ?)
                     """)) {
            // a single-event execution (its evidence is its own event), a window that counted it and two others, a
            // deadline decided without it among its evidence
            Object[][] rows = {
                    {"PASS", odd, "[" + quote(odd) + "]"},
                    {"FAIL", "later-" + odd, "[" + quote(odd) + ",\"other-1\"," + quote("later-" + odd) + "]"},
                    {"FAIL", "deadline-" + odd, "[]"},
                    // evidence edited by hand into something else (the chain reports it): still writable, still found
                    {"PASS", "edited-" + odd, "not json"}, {"PASS", "edited-" + odd, "null"}};
            for (Object[] row : rows) {
                insert.setString(1, control);
                insert.setString(2, (String) row[0]);
                insert.setString(3, (String) row[1]);
                insert.setString(4, (String) row[2]);
                insert.executeUpdate();
            }
        }
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             Statement s = c.createStatement()) {
            // criteria edited by hand too, on the execution and on a failure
            s.execute("update control_execution set criteria = array[null]::text[] where event_id = '"
                    + ("edited-" + odd).replace("'", "''") + "'");
            s.execute("""
                    insert into control_failure (execution_id, control_id, control_version, control_title, criteria,
                        severity, subject, event_id, event_source, event_type, event_time, detected_at,
                        evidence_event_ids)
                    values (gen_random_uuid(), '%1$s', 'sha256:v', 'Edited', array[null]::text[], 'high',
                            'edited-subject-%1$s', 'e', 'urn:event-lookup', 'auth.login', now(), now(), 'null')
                    """.formatted(control));
        }
        given().auth().oauth2(TestTokens.withRoles("analyst")).queryParam("subject", "edited-subject-" + control)
                .get("/api/v1/failures").then().statusCode(200).body("items", hasSize(1));
        var analyst = given().auth().oauth2(TestTokens.withRoles("analyst"));
        analyst.queryParam("eventId", odd).get("/api/v1/executions").then().statusCode(200)
                .body("items.eventId", org.hamcrest.Matchers.containsInAnyOrder("later-" + odd, odd));
        given().auth().oauth2(TestTokens.withRoles("analyst")).queryParam("eventId", "deadline-" + odd)
                .get("/api/v1/executions").then().statusCode(200).body("items.result", contains("FAIL"));
        given().auth().oauth2(TestTokens.withRoles("analyst")).queryParam("eventId", "edited-" + odd)
                .get("/api/v1/executions").then().statusCode(200).body("items", hasSize(2));
        // an id is matched whole: no prefix, no LIKE wildcard
        given().auth().oauth2(TestTokens.withRoles("analyst")).queryParam("eventId", "odd")
                .get("/api/v1/executions").then().statusCode(200).body("items", hasSize(0));
        given().auth().oauth2(TestTokens.withRoles("analyst")).queryParam("eventId", "%")
                .get("/api/v1/executions").then().statusCode(200).body("items", hasSize(0));

        // each half by its index (TestPostgres.plan: where no index served, the plan would read the table)
        assertThat(TestPostgres.plan(ExecutionResource.EXECUTIONS_OF_EVENT, List.of(odd, "10001")))
                .contains("control_execution_event_id", "control_execution_evidence_events").doesNotContain("Seq Scan");
    }

    /** An id shared by more executions than can be listed by it (ids are unique per source only) is refused. */
    @Test
    void refusesAnEventIdTooCommonToList() throws Exception {
        String id = "common-" + UUID.randomUUID();
        TestPostgres.Database db = TestPostgres.database();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             Statement s = c.createStatement()) {
            s.execute("""
                    insert into control_execution (execution_id, control_id, control_version, criteria, result,
                        subject, event_id, event_source, event_type, event_time, ingest_time, evaluated_at,
                        evidence_event_ids)
                    select gen_random_uuid(), 'cc7.2-common', 'sha256:v', '{CC7.2}', 'PASS', 'someone', '%1$s',
                           'urn:source-' || n, 'auth.login', now(), now(), now(), '["%1$s"]'
                    from generate_series(1, %2$d) n
                    """.formatted(id, ExecutionResource.MAX_EVENT_EXECUTIONS + 1));
        }
        given().auth().oauth2(TestTokens.withRoles("auditor")).queryParam("eventId", id).get("/api/v1/executions")
                .then().statusCode(400).body("type", equalTo("urn:controlwatch:problem:event-too-common"))
                .body("errors[0].field", equalTo("eventId"));
    }

    private static String quote(String value) throws Exception {
        return io.controlwatch.model.ModelJson.mapper().writeValueAsString(value);
    }

    @Test
    void refusesUnknownControlsBadValuesAndForeignIds() {
        var auditor = given().auth().oauth2(TestTokens.withRoles("auditor"));
        auditor.queryParam("control", "no-such-control").get("/api/v1/executions").then().statusCode(404)
                .body("type", equalTo("urn:controlwatch:problem:unknown-control"));
        given().auth().oauth2(TestTokens.withRoles("auditor")).queryParam("result", "MAYBE").get("/api/v1/executions")
                .then().statusCode(400).body("errors[0].field", equalTo("result"));
        given().auth().oauth2(TestTokens.withRoles("auditor")).queryParam("late", "perhaps").get("/api/v1/executions")
                .then().statusCode(400).body("errors[0].field", equalTo("late"));
        given().auth().oauth2(TestTokens.withRoles("auditor")).queryParam("cursor", "eW91").get("/api/v1/executions")
                .then().statusCode(400).body("errors[0].field", equalTo("cursor"));
        given().auth().oauth2(TestTokens.withRoles("auditor")).queryParam("contrl", "x").get("/api/v1/executions")
                .then().statusCode(400).body("errors.field", contains("contrl"));
        given().auth().oauth2(TestTokens.withRoles("auditor")).get("/api/v1/executions/not-a-uuid").then().statusCode(400);
        given().auth().oauth2(TestTokens.withRoles("auditor")).get("/api/v1/executions/" + UUID.randomUUID()).then()
                .statusCode(404).body("type", equalTo("urn:controlwatch:problem:unknown-execution"));
        // on-call reads executions (the console's posture and matrix, read-only); a machine's ingest role does not
        given().auth().oauth2(TestTokens.withRoles("oncall")).get("/api/v1/executions").then().statusCode(200);
        given().auth().oauth2(TestTokens.withRoles("ingest")).get("/api/v1/executions").then().statusCode(403);
    }
}
