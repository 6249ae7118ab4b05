package io.controlwatch.model;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CloudEventValidatorTest {

    static List<CloudEventValidator.Violation> validate(String json) throws Exception {
        return CloudEventValidator.validate(ModelJson.mapper().readTree(json));
    }

    @Test
    void acceptsAMinimalEventAndOneWithEveryOptionalAttribute() throws Exception {
        assertThat(validate("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"s\",\"type\":\"t\"}")).isEmpty();
        assertThat(validate("""
                {"specversion":"1.0","id":"1","source":"https://s","type":"t","subject":"x","time":"2026-11-28T09:00:00.123+01:00",
                 "datacontenttype":"application/json","dataschema":"https://schema","data":{"a":1},"tenant":"acme"}""")).isEmpty();
    }

    @Test
    void namesEveryProblem() throws Exception {
        assertThat(validate("{\"specversion\":\"0.3\",\"id\":\"\",\"type\":5,\"time\":\"yesterday\",\"Bad-Ext\":1}"))
                .extracting(CloudEventValidator.Violation::field)
                .containsExactlyInAnyOrder("specversion", "id", "source", "type", "time", "Bad-Ext");
    }

    @Test
    void refusesNonObjectsAndDataTogetherWithDataBase64() throws Exception {
        assertThat(validate("[1]")).extracting(CloudEventValidator.Violation::field).containsExactly("");
        assertThat(validate("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"s\",\"type\":\"t\",\"data\":1,\"data_base64\":\"AA==\"}"))
                .extracting(CloudEventValidator.Violation::field).containsExactly("data_base64");
    }

    @Test
    void executionIdsAreDeterministicAndUnambiguous() {
        assertThat(ExecutionIds.of("c", "s", "e")).isEqualTo(ExecutionIds.of("c", "s", "e"));
        assertThat(ExecutionIds.of("c", "s|x", "e")).isNotEqualTo(ExecutionIds.of("c", "s", "x|e"));
        assertThat(ExecutionIds.of("c1", "s", "e")).isNotEqualTo(ExecutionIds.of("c2", "s", "e"));
    }
}
