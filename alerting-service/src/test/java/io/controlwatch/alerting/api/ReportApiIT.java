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

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * {@code GET /api/v1/reports/operating-effectiveness} over known rows inserted directly: every figure of the report
 * (counts, exception rates, versions, coverage days, findings and remediation times, SLA breaches, exemptions, the
 * criterion roll-up) against what the rows say, its CSV form, and the period and role rules.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = JwtTestResource.class, restrictToAnnotatedClass = true)
class ReportApiIT {

    static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
    static final String A = "oe-a-" + SUFFIX;
    static final String B = "oe-b-" + SUFFIX;
    // criteria of this test only: other tests' controls share the database
    static final String X = "TX" + SUFFIX;
    static final String Y = "TY" + SUFFIX;
    // criteria the pack in force at TO marks manual; OLD and LATER only in versions not in force at TO
    static final String MANUAL_1 = "TM1" + SUFFIX;
    static final String MANUAL_2 = "TM2" + SUFFIX;
    static final String MANUAL_3 = "TM3" + SUFFIX;
    static final String MANUAL_OLD = "TMO" + SUFFIX;
    static final String MANUAL_LATER = "TML" + SUFFIX;
    static final String MANUAL_REASON = "Reviewed by people, \"quarterly\", from HR records";
    static final String FROM = "2026-03-01T00:00:00Z";
    static final String TO = "2026-03-04T00:00:00Z";
    static final UUID EXEMPTION_ACTIVE = UUID.fromString("00000000-0000-4000-8000-" + "1".repeat(4) + SUFFIX);
    static final UUID EXEMPTION_REVOKED = UUID.fromString("00000000-0000-4000-8000-" + "2".repeat(4) + SUFFIX);

    @BeforeAll
    static void insertRows() throws Exception {
        TestPostgres.Database db = TestPostgres.database();
        StringBuilder sql = new StringBuilder();
        sql.append("""
                insert into control (control_id, version, title, description, criteria, severity, owner, pack, pack_version, updated_at)
                values ('%1$s', 'v2', 'Logins, reviewed "daily"', 'MFA on every console login', '{%3$s,%4$s}', 'high', 'iam', 'soc2', 'pv-a', now()),
                       ('%2$s', 'v1', '=cmd', null, '{%4$s}', 'low', null, 'soc2', 'pv-a', now());
                """.formatted(A, B, X, Y));
        // A: day 1 (v1) pass, pass, fail (exempted), error (late); day 2 nothing; day 3 (v2) pass (backfilled), fail;
        // and one row either side of the period, which must not count
        execution(sql, A, "v0", "PASS", "2026-02-28T23:59:59.999Z", false, false, null);
        execution(sql, A, "v1", "PASS", "2026-03-01T10:00:00Z", false, false, null);
        execution(sql, A, "v1", "PASS", "2026-03-01T11:00:00Z", false, false, null);
        execution(sql, A, "v1", "FAIL", "2026-03-01T12:00:00Z", false, false, EXEMPTION_ACTIVE);
        execution(sql, A, "v1", "ERROR", "2026-03-01T13:00:00Z", true, false, null);
        execution(sql, A, "v2", "PASS", "2026-03-03T09:00:00Z", false, true, null);
        execution(sql, A, "v2", "FAIL", "2026-03-03T10:00:00Z", false, false, null);
        execution(sql, A, "v2", "FAIL", "2026-03-04T00:00:00Z", false, false, null);
        // B: one pass a day
        execution(sql, B, "v1", "PASS", "2026-03-01T23:59:59Z", false, false, null);
        execution(sql, B, "v1", "PASS", "2026-03-02T00:00:00Z", false, false, null);
        execution(sql, B, "v1", "PASS", "2026-03-03T12:00:00Z", false, false, null);
        // findings of A: resolved in the period after 1 h, 2 h and 10 days; open at the end (one resolved later);
        // one resolved before the period (not counted); two SLA breaches in the period
        finding(sql, "f1", "2026-03-01T12:00:00Z", "2026-03-01T13:00:00Z", "2026-03-01T16:00:00Z");
        finding(sql, "f2", "2026-02-20T00:00:00Z", "2026-03-02T00:00:00Z", "2026-02-21T00:00:00Z");
        finding(sql, "f3", "2026-03-03T10:00:00Z", null, "2026-03-03T14:00:00Z");
        finding(sql, "f4", "2026-03-02T00:00:00Z", "2026-03-05T00:00:00Z", "2026-03-02T04:00:00Z");
        finding(sql, "f5", "2026-02-01T00:00:00Z", "2026-02-10T00:00:00Z", "2026-02-02T00:00:00Z");
        finding(sql, "f6", "2026-03-03T00:00:00Z", "2026-03-03T02:00:00Z", "2026-03-03T04:00:00Z");
        // exemptions of A: in force during the period only the active one and the one revoked mid-period
        exemption(sql, EXEMPTION_ACTIVE, "ACTIVE", "2026-02-15T00:00:00Z", "2026-04-01T00:00:00Z", null);
        exemption(sql, EXEMPTION_REVOKED, "REVOKED", "2026-02-15T00:00:00Z", "2026-04-01T00:00:00Z", "2026-03-02T00:00:00Z");
        exemption(sql, UUID.randomUUID(), "EXPIRED", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", "2026-02-01T00:00:00Z");
        exemption(sql, UUID.randomUUID(), "REJECTED", "2026-02-15T00:00:00Z", "2026-04-01T00:00:00Z", null);
        exemption(sql, UUID.randomUUID(), "ACTIVE", "2026-03-10T00:00:00Z", "2026-04-01T00:00:00Z", null);
        exemption(sql, UUID.randomUUID(), "PENDING", null, "2026-04-01T00:00:00Z", null);
        // the pack versions archived from cw.packs.v1: in force at TO is the one activated on 2026-02-25
        packVersion(sql, "sha256:oe-old-" + SUFFIX, "2026-02-01T00:00:00Z",
                "pack: soc2-core\nmanual:\n  - criteria: [" + MANUAL_OLD + "]\n    reason: old\n");
        packVersion(sql, "sha256:oe-in-force-" + SUFFIX, "2026-02-25T00:00:00Z", """
                pack: soc2-core
                controls:
                  - id: %s
                    frequency: daily
                manual:
                  - criteria: [%s, %s]
                    reason: '%s'
                  - criteria: [%s]
                    reason: Physical access, evidenced by badge reviews
                """.formatted(A, MANUAL_1, MANUAL_2, MANUAL_REASON, MANUAL_3));
        packVersion(sql, "sha256:oe-later-" + SUFFIX, "2026-03-10T00:00:00Z",
                "pack: soc2-core\nmanual:\n  - criteria: [" + MANUAL_LATER + "]\n    reason: later\n");
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             Statement s = c.createStatement()) {
            s.execute(sql.toString());
        }
    }

    /**
     * A pack version and its activation as the alerting service archives them from cw.packs.v1 ({@code PackArchive});
     * the archive itself is tested end to end through Kafka by ExportIT.
     */
    static void packVersion(StringBuilder sql, String version, String activatedAt, String yaml) {
        sql.append("insert into pack_version (pack_version, pack, yaml) values ('").append(version)
                .append("', 'soc2-core', $yaml$").append(yaml).append("$yaml$);\n")
                .append("insert into pack_activation (pack_version, pack, activated_at, activated_by, origin) values ('")
                .append(version).append("', 'soc2-core', '").append(activatedAt).append("', 'it-admin', 'api');\n");
    }

    static void execution(StringBuilder sql, String control, String version, String result, String eventTime,
                          boolean late, boolean backfilled, UUID exemption) {
        sql.append("""
                insert into control_execution (execution_id, control_id, control_version, criteria, result, subject,
                    event_id, event_source, event_type, event_time, ingest_time, evaluated_at, pack, pack_version,
                    late, backfilled, exemption_id)
                values (gen_random_uuid(), '%s', '%s', '{%s}', '%s', 'user-1', 'e-' || gen_random_uuid(), 'urn:test',
                    'auth.login', '%5$s', '%5$s', '%5$s', 'soc2', 'pv-a', %6$s, %7$s, %8$s);
                """.formatted(control, version, control.equals(A) ? X + "," + Y : Y, result, eventTime, late, backfilled,
                exemption == null ? "null" : "'" + exemption + "'"));
    }

    static void finding(StringBuilder sql, String subject, String opened, String resolved, String slaDue) {
        sql.append("""
                insert into finding (finding_id, control_id, control_title, subject, subject_key, status, severity,
                    criteria, opened_at, first_seen_at, last_seen_at, failure_count, sla_due_at, resolved_at, updated_at)
                values (gen_random_uuid(), '%1$s', 't', '%2$s', '%2$s', '%3$s', 'high', '{%4$s}', '%5$s', '%5$s', '%5$s',
                    1, '%6$s', %7$s, now());
                """.formatted(A, subject, resolved == null ? "OPEN" : "RESOLVED", X, opened, slaDue,
                resolved == null ? "null" : "'" + resolved + "'"));
    }

    static void exemption(StringBuilder sql, UUID id, String status, String decided, String expires, String ended) {
        sql.append("""
                insert into exemption (exemption_id, control_id, subject_pattern, reason, status, requested_by,
                    requested_at, expires_at, decided_by, decided_at, ended_at, updated_at)
                values ('%s', '%s', '*', 'test', '%s', 'alice', '2026-01-01T00:00:00Z', '%s', %s, %s, %s, now());
                """.formatted(id, A, status, expires, decided == null ? "null" : "'bob'",
                decided == null ? "null" : "'" + decided + "'", ended == null ? "null" : "'" + ended + "'"));
    }

    static JsonPath report(String... params) {
        var request = given().auth().oauth2(TestTokens.withRoles("auditor"));
        for (int i = 0; i < params.length; i += 2) {
            request = request.queryParam(params[i], params[i + 1]);
        }
        return request.get("/api/v1/reports/operating-effectiveness").then().statusCode(200)
                .contentType("application/json").extract().jsonPath();
    }

    static Map<String, Object> control(JsonPath report, String id) {
        return report.getMap("controls.find { it.controlId == '" + id + "' }");
    }

    @Test
    void everyFigureOfAControlMatchesTheRowsOfThePeriod() {
        JsonPath report = report("from", FROM, "to", TO, "control", A);
        assertThat(report.getString("from")).isEqualTo(FROM);
        assertThat(report.getLong("days")).isEqualTo(3);
        assertThat(report.getList("controls.controlId")).containsExactly(A);
        Map<String, Object> a = control(report, A);
        assertThat(a).containsEntry("title", "Logins, reviewed \"daily\"").containsEntry("owner", "iam")
                .containsEntry("severity", "high").containsEntry("criteria", List.of(X, Y));
        String catalogStatus = given().auth().oauth2(TestTokens.withRoles("auditor")).get("/api/v1/controls").then()
                .extract().jsonPath().getString("find { it.controlId == '" + A + "' }.status");
        assertThat(a).containsEntry("status", catalogStatus);
        // population: the row at 'to' and the one a millisecond before 'from' are outside
        assertThat(a).containsEntry("population", 6).containsEntry("passes", 3).containsEntry("failures", 2)
                .containsEntry("errors", 1).containsEntry("late", 1).containsEntry("backfilled", 1)
                .containsEntry("exempted", 1).containsEntry("exceptionRate", 0.4f);
        assertThat(report.getList("controls[0].versions.version")).containsExactly("v1", "v2");
        assertThat(report.getString("controls[0].versions[0].firstExecutionAt")).isEqualTo("2026-03-01T10:00:00Z");
        assertThat(report.getString("controls[0].versions[0].lastExecutionAt")).isEqualTo("2026-03-01T13:00:00Z");
        assertThat(report.getInt("controls[0].versions[0].executions")).isEqualTo(4);
        assertThat(report.getString("controls[0].versions[1].firstExecutionAt")).isEqualTo("2026-03-03T09:00:00Z");
        assertThat(report.getInt("controls[0].versions[1].executions")).isEqualTo(2);
        assertThat(a).containsEntry("daysWithExecutions", 2).containsEntry("daysWithoutExecutions", List.of("2026-03-02"));
        // findings: opened f1 f3 f4 f6; resolved f1 (1 h) f2 (10 days) f6 (2 h); open at the end f3 f4
        assertThat(a).containsEntry("findingsOpened", 4).containsEntry("findingsResolved", 3)
                .containsEntry("findingsOpenAtEnd", 2).containsEntry("slaBreaches", 2);
        assertThat(report.getMap("controls[0].remediation")).containsEntry("resolved", 3)
                .containsEntry("medianSeconds", 7200).containsEntry("p90Seconds", 864000)
                .containsEntry("maxSeconds", 864000);
        assertThat(a.get("exemptions")).isEqualTo(List.of(EXEMPTION_ACTIVE.toString(), EXEMPTION_REVOKED.toString()));
    }

    @Test
    void givesEachControlsFiguresPerUtcDayOnlyWhenAsked() {
        assertThat(control(report("from", FROM, "to", TO, "control", A), A)).doesNotContainKey("daily");
        JsonPath report = report("from", FROM, "to", TO, "daily", "true");
        // A: day 1 pass, pass, fail, error; day 2 nothing (no entry); day 3 pass, fail. B: one pass a day, the
        // second one at midnight exactly: its own day
        assertThat(report.getList("controls.find { it.controlId == '" + A + "' }.daily")).containsExactly(
                Map.of("day", "2026-03-01", "population", 4, "passes", 2, "failures", 1, "errors", 1),
                Map.of("day", "2026-03-03", "population", 2, "passes", 1, "failures", 1, "errors", 0));
        assertThat(report.getList("controls.find { it.controlId == '" + B + "' }.daily.day"))
                .containsExactly("2026-03-01", "2026-03-02", "2026-03-03");
        // the same figures as without it
        assertThat(control(report, A)).containsEntry("population", 6).containsEntry("daysWithExecutions", 2);
    }

    @Test
    void rollsUpPerCriterionAndCountsAControlWithoutFindings() {
        JsonPath report = report("from", FROM, "to", TO, "criterion", Y);
        assertThat(report.getList("controls.controlId")).containsExactly(A, B);
        Map<String, Object> b = control(report, B);
        assertThat(b).containsEntry("population", 3).containsEntry("exceptionRate", 0.0f)
                .containsEntry("daysWithExecutions", 3).containsEntry("daysWithoutExecutions", List.of())
                .containsEntry("findingsOpened", 0).containsEntry("exemptions", List.of());
        assertThat(report.getMap("controls[1].remediation")).containsEntry("resolved", 0).containsEntry("medianSeconds", null);
        assertThat(report.getList("criteria")).hasSize(1);
        assertThat(report.getMap("criteria[0]")).containsEntry("criterion", Y).containsEntry("controls", 2)
                .containsEntry("population", 9).containsEntry("passes", 6).containsEntry("failures", 2)
                .containsEntry("errors", 1).containsEntry("exceptionRate", 0.25f);

        JsonPath onlyX = report("from", FROM, "to", TO, "criterion", X);
        assertThat(onlyX.getList("controls.controlId")).containsExactly(A);
        assertThat(onlyX.getList("criteria.criterion")).containsExactly(X);
        assertThat(onlyX.getInt("criteria[0].controls")).isEqualTo(1);

        // a period with no execution of A: the control is still reported (asked for by name), every day missing
        JsonPath empty = report("from", "2026-05-01T12:00:00Z", "to", "2026-05-03T00:00:00Z", "control", A);
        assertThat(empty.getLong("days")).isEqualTo(2);
        assertThat(empty.getInt("controls[0].population")).isZero();
        assertThat(empty.getString("controls[0].exceptionRate")).isNull();
        assertThat(empty.getList("controls[0].daysWithoutExecutions")).containsExactly("2026-05-01", "2026-05-02");
    }

    @Test
    void listsTheCriteriaThePackInForceMarksManualWithTheirReasonAndNeverAsPassing() {
        JsonPath report = report("from", FROM, "to", TO);
        List<Map<String, Object>> manual = report.getList("criteria.findAll { it.manual }");
        assertThat(manual).extracting(m -> m.get("criterion"))
                .contains(MANUAL_1, MANUAL_2, MANUAL_3).doesNotContain(MANUAL_OLD, MANUAL_LATER);
        assertThat(report.getMap("criteria.find { it.criterion == '" + MANUAL_1 + "' }"))
                .containsEntry("manual", true).containsEntry("manualReason", MANUAL_REASON)
                .containsEntry("controls", 0).containsEntry("population", 0).containsEntry("passes", 0)
                .containsEntry("exceptionRate", null);
        assertThat(report.getString("criteria.find { it.criterion == '" + MANUAL_3 + "' }.manualReason"))
                .isEqualTo("Physical access, evidenced by badge reviews");
        // none shown as passing: nothing tested, no rate
        assertThat(manual).allSatisfy(m -> assertThat(m).containsEntry("passes", 0).containsEntry("exceptionRate", null));
        // the tested criteria are not manual
        assertThat(report.getMap("criteria.find { it.criterion == '" + Y + "' }")).containsEntry("manual", false)
                .containsEntry("manualReason", null);

        // narrowed to a manual criterion: that one; to a control: none (no control tests them)
        assertThat(report("from", FROM, "to", TO, "criterion", MANUAL_2).getList("criteria.criterion"))
                .containsExactly(MANUAL_2);
        assertThat(report("from", FROM, "to", TO, "control", A).getList("criteria.findAll { it.manual }")).isEmpty();
        // a period ending before the pack was activated: the older version's manual list
        assertThat(report("from", "2026-02-10T00:00:00Z", "to", "2026-02-11T00:00:00Z")
                .getList("criteria.findAll { it.manual }.criterion")).contains(MANUAL_OLD).doesNotContain(MANUAL_1);

        String csv = given().auth().oauth2(TestTokens.withRoles("auditor")).accept("text/csv")
                .queryParam("from", FROM).queryParam("to", TO).queryParam("criterion", MANUAL_1)
                .get("/api/v1/reports/operating-effectiveness").then().statusCode(200)
                .contentType("text/csv").extract().asString();
        String[] lines = csv.split("\r\n");
        assertThat(lines).hasSize(2);
        assertThat(lines[1]).isEqualTo(",,\"Reviewed by people, \"\"quarterly\"\", from HR records\"," + MANUAL_1
                + ",,,manual," + ",".repeat(19) + FROM + "," + TO);
    }

    @Test
    void givesThePerControlTableAsCsvWhenAsked() {
        String csv = given().auth().oauth2(TestTokens.withRoles("analyst")).accept("text/csv")
                .queryParam("from", FROM).queryParam("to", TO).queryParam("criterion", Y)
                .get("/api/v1/reports/operating-effectiveness").then().statusCode(200)
                .contentType("text/csv").extract().asString();
        String[] lines = csv.split("\r\n");
        assertThat(lines).hasSize(3);
        assertThat(lines[0]).startsWith("control_id,title,description,criteria,owner,severity,status,versions,"
                + "population,passes,failures,errors,late,backfilled,exempted,exception_rate,");
        assertThat(lines[1]).startsWith(A + ",\"Logins, reviewed \"\"daily\"\"\",MFA on every console login,"
                + X + ";" + Y + ",iam,high,")
                .contains(",v1@2026-03-01T10:00:00Z/2026-03-01T13:00:00Z;v2@2026-03-03T09:00:00Z/2026-03-03T10:00:00Z,"
                        + "6,3,2,1,1,1,1,0.4,4,3,2,7200,864000,864000,2,")
                .endsWith(",2,2026-03-02," + FROM + "," + TO);
        // a title a spreadsheet would run as a formula is defused
        assertThat(lines[2]).startsWith(B + ",'=cmd,,");
    }

    @Test
    void refusesPeriodsThatAreMissingEmptyOrTooLongAndUnknownControls() {
        var auditor = given().auth().oauth2(TestTokens.withRoles("auditor"));
        String path = "/api/v1/reports/operating-effectiveness";
        auditor.queryParam("to", TO).get(path).then().statusCode(400)
                .body("type", equalTo("urn:controlwatch:problem:invalid-parameter")).body("errors[0].field", equalTo("from"));
        given().auth().oauth2(TestTokens.withRoles("auditor")).queryParam("from", FROM).get(path).then().statusCode(400)
                .body("errors[0].field", equalTo("to"));
        given().auth().oauth2(TestTokens.withRoles("auditor")).queryParam("from", TO).queryParam("to", FROM).get(path)
                .then().statusCode(400).body("errors[0].field", equalTo("to"));
        given().auth().oauth2(TestTokens.withRoles("auditor")).queryParam("from", FROM).queryParam("to", FROM).get(path)
                .then().statusCode(400).body("errors[0].field", equalTo("to"));
        given().auth().oauth2(TestTokens.withRoles("auditor")).queryParam("from", "2025-01-01T00:00:00Z")
                .queryParam("to", "2026-02-05T00:00:01Z").get(path).then().statusCode(400)
                .body("errors[0].field", equalTo("to"));
        given().auth().oauth2(TestTokens.withRoles("auditor")).queryParam("from", "2025-01-01T00:00:00Z")
                .queryParam("to", "2026-02-05T00:00:00Z").queryParam("control", A).get(path).then().statusCode(200);
        given().auth().oauth2(TestTokens.withRoles("auditor")).queryParam("from", "yesterday").queryParam("to", TO)
                .get(path).then().statusCode(400).body("errors[0].field", equalTo("from"));
        given().auth().oauth2(TestTokens.withRoles("auditor")).queryParam("from", FROM).queryParam("to", TO)
                .queryParam("criteria", X).get(path).then().statusCode(400).body("errors[0].field", equalTo("criteria"));
        given().auth().oauth2(TestTokens.withRoles("auditor")).queryParam("from", FROM).queryParam("to", TO)
                .queryParam("control", "no-such-control").get(path).then().statusCode(404)
                .body("type", equalTo("urn:controlwatch:problem:unknown-control"));
    }

    @Test
    void describesBothOperationsTheirParametersAndTheirClientErrorsInOpenApi() {
        JsonPath openapi = given().queryParam("format", "json").get("/q/openapi").then().statusCode(200).extract().jsonPath();
        for (String path : List.of("/api/v1/reports/operating-effectiveness", "/api/v1/samples")) {
            Map<String, Object> get = openapi.getMap("paths.'" + path + "'.get");
            assertThat(get).as(path).containsKeys("summary", "description");
            List<Map<String, Object>> parameters = openapi.getList("paths.'" + path + "'.get.parameters");
            assertThat(parameters).as(path + " parameters").isNotEmpty()
                    .allSatisfy(parameter -> assertThat((String) parameter.get("description")).as(path + " " + parameter.get("name")).isNotBlank());
            assertThat(openapi.getMap("paths.'" + path + "'.get.responses")).as(path).containsKeys("400", "404");
        }
        assertThat(openapi.getList("paths.'/api/v1/reports/operating-effectiveness'.get.parameters.name"))
                .containsExactlyInAnyOrder("from", "to", "criterion", "control", "daily");
    }

    @Test
    void onlyAnalystsOnCallAuditorsAndAdminsMayRead() {
        for (String role : List.of("analyst", "oncall", "auditor", "admin")) {
            given().auth().oauth2(TestTokens.withRoles(role)).queryParam("from", FROM).queryParam("to", TO)
                    .queryParam("control", A).get("/api/v1/reports/operating-effectiveness").then().statusCode(200);
        }
        for (String role : List.of("ingest")) {
            given().auth().oauth2(TestTokens.withRoles(role)).queryParam("from", FROM).queryParam("to", TO)
                    .get("/api/v1/reports/operating-effectiveness").then().statusCode(403);
        }
        given().queryParam("from", FROM).queryParam("to", TO).get("/api/v1/reports/operating-effectiveness").then()
                .statusCode(401);
    }
}
