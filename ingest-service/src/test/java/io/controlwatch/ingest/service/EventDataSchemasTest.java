package io.controlwatch.ingest.service;

import io.controlwatch.model.CloudEventValidator.Violation;
import io.controlwatch.model.ModelJson;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Table-driven: the data of known types against their schemas; unknown types pass untouched. */
class EventDataSchemasTest {

    static final EventDataSchemas SCHEMAS = new EventDataSchemas();

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            auth.login        | {"user":"a@x","outcome":"success","mfa":true}                  |
            auth.login        | {"user":"a@x","outcome":"success","extra":{"kept":true}}       |
            auth.login        | {"outcome":"success","mfa":true}                               | data.user
            auth.login        | {"user":"a@x","outcome":"maybe"}                               | data.outcome
            auth.login        | {"user":"a@x","outcome":"success","mfa":"yes"}                 | data.mfa
            backup.completed  | {"system":"orders-db","status":"success"}                      |
            backup.completed  | {"status":"success"}                                           | data.system
            acme.custom.thing | {"whatever":1}                                                 |
            vcs.pull_request.merged  | {"repository":"o/r","number":7,"author":"a","approvals":1,"approvers":["b",2]} | data.approvers.1
            tls.certificate.observed | {"host":"h","notAfter":"2027-01-31T00:00:00Z","daysRemaining":30} |
            tls.certificate.observed | {"host":"h","notAfter":"2027-13-31T00:00:00Z","daysRemaining":30} | data.notAfter
            tls.certificate.observed | {"host":"h","notAfter":"2027-02-30T00:00:00Z","daysRemaining":30} | data.notAfter
            vendor.review.approved   | {"vendor":"v","reviewer":"r","expires":"2027-06-30"}           |
            vendor.review.approved   | {"vendor":"v","reviewer":"r","expires":"2027-06-31"}           | data.expires
            """)
    void validates(String type, String data, String offendingField) throws Exception {
        var violations = SCHEMAS.validate(type, ModelJson.mapper().readTree(data));
        if (offendingField == null) {
            assertThat(violations).isEmpty();
        } else {
            assertThat(violations).extracting(Violation::field).contains(offendingField);
        }
    }

    @Test
    void namesTheRuleTheSchemaAndWhereItIsDocumented() throws Exception {
        var violations = SCHEMAS.validate("auth.login",
                ModelJson.mapper().readTree("{\"outcome\":\"maybe\",\"mfa\":\"yes\"}"));
        assertThat(violations).containsExactlyInAnyOrder(
                new Violation("data.user", "is required (schema of auth.login, see docs/events.md)"),
                new Violation("data.outcome", "must be one of [\"success\",\"failure\"] (schema of auth.login, see docs/events.md)"),
                new Violation("data.mfa", "must be of type boolean, not string (schema of auth.login, see docs/events.md)"));
        assertThat(SCHEMAS.validate("auth.login", ModelJson.mapper().readTree("[]")))
                .containsExactly(new Violation("data", "must be of type object, not array (schema of auth.login, see docs/events.md)"));
    }

    @Test
    void knowsEveryTypeOfTheIndexAndRequiresDataForThem() {
        assertThat(SCHEMAS.knownTypes()).contains("auth.login", "backup.completed", "source.heartbeat");
        assertThat(SCHEMAS.validate("auth.login", null)).extracting(Violation::field).containsExactly("data");
        assertThat(SCHEMAS.validate("acme.unknown", null)).isEmpty();
    }
}
