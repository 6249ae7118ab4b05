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
    void knowsEveryTypeOfTheIndexAndRequiresDataForThem() {
        assertThat(SCHEMAS.knownTypes()).contains("auth.login", "backup.completed", "source.heartbeat");
        assertThat(SCHEMAS.validate("auth.login", null)).extracting(Violation::field).containsExactly("data");
        assertThat(SCHEMAS.validate("acme.unknown", null)).isEmpty();
    }
}
