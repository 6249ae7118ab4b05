package io.controlwatch.engine.internal;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Compiled expressions on their own: what an evaluation error carries for whoever logs or stores it. */
class CelSupportTest {

    static Map<String, Object> data(Map<String, Object> data) {
        return Map.of("event", com.google.protobuf.DynamicMessage.getDefaultInstance(CelSupport.EVENT_DESCRIPTOR), "data", data);
    }

    @Test
    void anEvaluationErrorNamesItsExpression() {
        CelSupport.Expression condition = CelSupport.condition("data.n > 1");

        assertThatThrownBy(() -> condition.test(data(Map.of("n", "many"))))
                .isInstanceOfSatisfying(CelSupport.EvaluationException.class, e -> {
                    assertThat(e.expression()).isEqualTo("data.n > 1");
                    assertThat(e.getMessage()).startsWith("'data.n > 1' failed at character ").endsWith(" (data.n is string)");
                    assertThat(e.getCause()).isNotNull();
                });
        assertThat(CelSupport.condition(null)).isNull();
        assertThat(CelSupport.string(null)).isNull();
    }

    @Test
    void aTypeValueIsNamedAsCelSpellsIt() {
        CelSupport.Expression condition = CelSupport.condition("dyn(type(data.n))");

        assertThatThrownBy(() -> condition.test(data(Map.of("n", 1L))))
                .hasMessage("'dyn(type(data.n))' gave type, not a bool (data.n is int)");
    }
}
