package io.controlwatch.engine.internal;

import dev.cel.common.types.SimpleType;
import io.controlwatch.engine.EventRef;
import io.controlwatch.engine.StateKeys;
import io.controlwatch.engine.rule.AbsenceRule;
import io.controlwatch.engine.rule.CorrelationRule;
import io.controlwatch.engine.rule.EventRule;
import io.controlwatch.engine.rule.Rule;
import io.controlwatch.engine.rule.ThresholdRule;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What a message may name, by rule kind and correlation mode, in the order docs/controls.md lists it. */
class MessageVariablesTest {

    static final CorrelationRule.EventMatcher FIRST = new CorrelationRule.EventMatcher(List.of("a", "b"), null, "data.k");
    static final CorrelationRule.EventMatcher THEN = new CorrelationRule.EventMatcher(List.of("b", "c"), null, "data.k");

    static CorrelationRule correlation(CorrelationRule.Mode mode) {
        return new CorrelationRule(FIRST, THEN, mode, Duration.ofHours(1), Duration.ofHours(1), Duration.ZERO);
    }

    @Test
    void eachRuleKindSeesItsOwnFacts() {
        Rule event = new EventRule(List.of("a"), null, "true", null);
        Rule threshold = new ThresholdRule(List.of("t"), null, "data.u", null, Duration.ofMinutes(5), null, 3, Duration.ZERO);
        Rule absence = new AbsenceRule(List.of("x"), null, "data.s", Duration.ofHours(1), List.of(), Duration.ZERO, true, null);

        assertThat(MessageVariables.of(event).keySet()).containsExactly("event", "data");
        assertThat(MessageVariables.of(event).get("data")).isEqualTo(SimpleType.DYN);
        assertThat(MessageVariables.of(threshold).keySet()).containsExactly("key", "count", "atLeast", "window", "windowStart", "windowEnd");
        assertThat(MessageVariables.of(threshold).get("count")).isEqualTo(SimpleType.INT);
        assertThat(MessageVariables.of(threshold).get("window")).isEqualTo(SimpleType.STRING);
        assertThat(MessageVariables.of(absence).keySet()).containsExactly("key", "expected", "within", "deadline", "lastSeen");
        assertThat(MessageVariables.of(absence).get("key")).isEqualTo(SimpleType.STRING);
        assertThat(MessageVariables.of(correlation(CorrelationRule.Mode.FOLLOWED_WITHIN)).keySet())
                .containsExactly("key", "first", "within", "deadline");
        assertThat(MessageVariables.of(correlation(CorrelationRule.Mode.PRECEDED_WITHIN)).keySet())
                .containsExactly("key", "then", "within");
        assertThat(MessageVariables.of(correlation(CorrelationRule.Mode.NOT_FOLLOWED_AFTER)).keySet())
                .containsExactly("key", "first", "then", "after", "gap");

        assertThat(List.of(event, threshold, absence, correlation(CorrelationRule.Mode.FOLLOWED_WITHIN)))
                .extracting(Rule::kind, Rule::eventTypes, Rule::stateful)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("event", List.of("a"), false),
                        org.assertj.core.groups.Tuple.tuple("threshold", List.of("t"), true),
                        org.assertj.core.groups.Tuple.tuple("absence", List.of("x"), true),
                        org.assertj.core.groups.Tuple.tuple("correlation", List.of("a", "b", "c"), true));
    }

    @Test
    void aRememberedEventIsSeenByItsIdTypeSourceAndTime() {
        EventRef ref = new EventRef("t1", "https://hr", "hr.employee.terminated", Instant.parse("2026-01-05T09:00:00Z"),
                Instant.parse("2026-01-05T09:01:00Z"), "token:x", false);
        assertThat(MessageVariables.attributes(ref)).isEqualTo(Map.of("id", "t1", "type", "hr.employee.terminated",
                "source", "https://hr", "time", "2026-01-05T09:00:00Z"));
    }

    @Test
    void aCorrelationModeIsWrittenAsInAPack() {
        assertThat(CorrelationRule.Mode.parse("followed-within")).isEqualTo(CorrelationRule.Mode.FOLLOWED_WITHIN);
        assertThat(CorrelationRule.Mode.parse("preceded-within")).isEqualTo(CorrelationRule.Mode.PRECEDED_WITHIN);
        assertThat(CorrelationRule.Mode.parse("not-followed-after")).isEqualTo(CorrelationRule.Mode.NOT_FOLLOWED_AFTER);
        assertThat(CorrelationRule.Mode.NOT_FOLLOWED_AFTER.yaml).isEqualTo("not-followed-after");
    }

    @Test
    void aStateKeySplitsBackIntoControlAndKeyWhateverTheKeyHolds() {
        String stateKey = StateKeys.of("cc6.1-x", "alice/x\u001fy");
        assertThat(StateKeys.controlId(stateKey)).isEqualTo("cc6.1-x");
        assertThat(StateKeys.key(stateKey)).isEqualTo("alice/x\u001fy");
        assertThat(stateKey).isNotEqualTo(StateKeys.of("cc6.1-xalice/x", "y"));
    }

    @Test
    void aMessageOverTheEventVariablesSeesTheTypedEvent() {
        CelSupport.Expression expression = CelSupport.anyType("event.id + \" \" + string(data.n)", CelSupport.eventVariables());
        assertThat(CelSupport.eventVariables().keySet()).containsExactlyInAnyOrder("event", "data");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CelSupport.anyType("event.idd", CelSupport.eventVariables()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("undefined field 'idd'");
        assertThat(expression.text()).isEqualTo("event.id + \" \" + string(data.n)");
    }
}
