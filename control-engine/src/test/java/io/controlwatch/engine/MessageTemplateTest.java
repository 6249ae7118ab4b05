package io.controlwatch.engine;

import dev.cel.common.types.CelType;
import dev.cel.common.values.NullValue;
import io.controlwatch.engine.internal.MessageVariables;
import io.controlwatch.engine.rule.EventRule;
import io.controlwatch.engine.rule.ThresholdRule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A message template on its own, without a pack around it: the exact bounds a pack author meets (template length,
 * placeholders, rendered length) and how each kind of value reads. {@link ControlMessageTest} covers the same
 * through packs and executions.
 */
class MessageTemplateTest {

    /** What an event control's message sees: {@code event} and {@code data}. */
    static final Map<String, CelType> EVENT_MESSAGE = MessageVariables.of(new EventRule(List.of("a"), null, "true", null));

    static MessageTemplate template(String text) {
        return MessageTemplate.compile(text, EVENT_MESSAGE);
    }

    /** Renders {@code text} for an event whose payload is {@code data}. */
    static String render(String text, Map<String, Object> data) {
        return template(text).render(Map.of("event", Map.of("id", "e1"), "data", data));
    }

    static String repeat(char c, int n) {
        char[] chars = new char[n];
        Arrays.fill(chars, c);
        return new String(chars);
    }

    // --- bounds of a template, checked when the pack loads ---

    @Test
    void aTemplateOfExactlyTheMaximumLengthIsAccepted() {
        assertThat(template(repeat('x', MessageTemplate.MAX_TEMPLATE_LENGTH)).text()).hasSize(1000);
        assertThatThrownBy(() -> template(repeat('x', MessageTemplate.MAX_TEMPLATE_LENGTH + 1)))
                .isInstanceOf(MessageTemplate.InvalidTemplateException.class)
                .hasMessage("is 1001 characters long; at most 1000");
    }

    @Test
    void exactlyTheMaximumNumberOfPlaceholdersIsAccepted() {
        String twenty = "{{data.user}} ".repeat(MessageTemplate.MAX_PLACEHOLDERS);
        assertThat(render(twenty, Map.of("user", "u"))).isEqualTo("u ".repeat(19) + "u");
        assertThatThrownBy(() -> template(twenty + "{{data.user}}"))
                .hasMessage("has more than 20 placeholders");
    }

    @Test
    void aControlCharacterIsReportedAtItsPosition() {
        assertThatThrownBy(() -> template("ab\tc"))
                .hasMessage("must be one line without control characters (character 3); write it as a plain or folded ('>') scalar");
        // positions count UTF-16 characters, as an editor's column does for a supplementary character
        assertThatThrownBy(() -> template("\uD83D\uDE00\u202Ex"))
                .hasMessageContaining("(character 3)");
    }

    @Test
    void closingBracesAtTheVeryStartHaveNoOpening() {
        assertThatThrownBy(() -> template("}} x"))
                .hasMessage("'}}' at character 1 has no '{{' before it");
        assertThatThrownBy(() -> template("a {{data.x}} b }}"))
                .hasMessage("'}}' at character 16 has no '{{' before it");
    }

    @Test
    void unclosedAndEmptyPlaceholdersNameTheirPosition() {
        assertThatThrownBy(() -> template("user {{data.user"))
                .hasMessage("'{{' at character 6 is not closed with '}}'");
        assertThatThrownBy(() -> template("user {{  }} x"))
                .hasMessage("empty placeholder at character 6");
        assertThatThrownBy(() -> template("  "))
                .hasMessage("must not be empty (leave 'message' out instead)");
    }

    @Test
    void aPlaceholderThatDoesNotCompileIsQuotedWithTheCompilersReason() {
        assertThatThrownBy(() -> template("{{ user }} x"))
                .hasMessageStartingWith("placeholder {{ user }} does not compile: ERROR: <input>:1:1: undeclared reference to 'user'");
    }

    @Test
    void aStatefulControlsMessageSeesItsFactsNotThePayload() {
        Map<String, CelType> threshold = MessageVariables.of(new ThresholdRule(List.of("a"), null, "data.u", null,
                Duration.ofMinutes(5), null, 3, Duration.ZERO));
        MessageTemplate t = MessageTemplate.compile("{{count}} for {{key}} (at least {{atLeast}} in {{window}})", threshold);

        assertThat(t.render(Map.of("key", "alice", "count", 4L, "atLeast", 3L, "window", "5m",
                "windowStart", "s", "windowEnd", "e"))).isEqualTo("4 for alice (at least 3 in 5m)");
        assertThatThrownBy(() -> MessageTemplate.compile("{{data.user}}", threshold))
                .hasMessageContaining("undeclared reference to 'data'");
    }

    // --- rendering ---

    @Test
    void literalTextAroundPlaceholdersIsKeptAsWritten() {
        assertThat(render("{{data.a}}{{data.b}}", Map.of("a", "x", "b", "y"))).isEqualTo("xy");
        assertThat(render("[{{data.a}}] and [{{data.b}}]", Map.of("a", "x", "b", "y"))).isEqualTo("[x] and [y]");
        assertThat(render("no placeholder", Map.of())).isEqualTo("no placeholder");
    }

    @Test
    void aRenderedMessageOfExactlyTheMaximumLengthIsNotCut() {
        String max = repeat('u', MessageTemplate.MAX_RENDERED_LENGTH);
        assertThat(render("{{data.user}}", Map.of("user", max))).isEqualTo(max);
        assertThat(render("{{data.a}}{{data.b}}", Map.of("a", repeat('u', 1999), "b", "v")))
                .isEqualTo(repeat('u', 1999) + "v");
    }

    @Test
    void oneCharacterMoreIsCutToTheMaximumWithAnEllipsis() {
        // the first placeholder fills the message exactly: what follows must still be noticed and cut
        String rendered = render("{{data.a}}{{data.b}}", Map.of("a", repeat('u', 2000), "b", "v"));
        assertThat(rendered).hasSize(MessageTemplate.MAX_RENDERED_LENGTH).isEqualTo(repeat('u', 1999) + "…");
    }

    @Test
    void theCutNeverLeavesHalfACharacter() {
        // an emoji (two UTF-16 chars) at positions 1999-2000: kept whole or not at all
        String rendered = render("{{data.a}}", Map.of("a", repeat('u', 1998) + "\uD83D\uDE00" + "xyz"));
        assertThat(rendered).isEqualTo(repeat('u', 1998) + "…");
    }

    @Test
    void valuesInListsAndMapsRenderReadably() {
        Map<String, Object> obj = new java.util.LinkedHashMap<>();
        obj.put("k", "v");
        obj.put("n", 2L);
        obj.put("none", NullValue.NULL_VALUE);
        assertThat(render("{{data.list}} {{data.obj}} {{data.empty}}", Map.of(
                "list", List.of("a", 1L, 2.5, NullValue.NULL_VALUE, true), "obj", obj, "empty", List.of())))
                .isEqualTo("[a, 1, 2.5, null, true] {k: v, n: 2, none: null} []");
    }

    @Test
    void numbersRenderWithoutNoise() {
        assertThat(render("{{data.a}} {{data.b}} {{data.c}} {{data.d}} {{data.e}}", Map.of(
                "a", 80.0, "b", 0.1, "c", 1e21, "d", -3L, "e", 1.5e-7)))
                .isEqualTo("80 0.1 1000000000000000000000 -3 0.00000015");
        assertThat(render("{{data.a / 0.0}} {{-data.a / 0.0}} {{data.a * 0.0 / 0.0}}", Map.of("a", 1.0)))
                .isEqualTo("Infinity -Infinity NaN");
    }

    @Test
    void timesAndDurationsRenderAsInAPack() {
        assertThat(render("{{timestamp(\"2026-01-05T10:00:00.250Z\")}} {{duration(\"90m\")}} {{duration(\"26h\")}} "
                + "{{duration(\"1500ms\")}} {{timestamp(\"2026-01-05T10:00:00Z\") - timestamp(\"2026-01-04T10:00:00Z\")}}",
                Map.of())).isEqualTo("2026-01-05T10:00:00.250Z 90m 26h 1500ms 1d");
    }

    @Test
    void protobufTimesAndJavaDurationsInValuesRenderTheSameWay() {
        Map<String, Object> data = new HashMap<>();
        data.put("ts", com.google.protobuf.Timestamp.newBuilder().setSeconds(1767607200L).setNanos(5_000_000).build());
        data.put("pd", com.google.protobuf.Duration.newBuilder().setSeconds(300).build());
        data.put("jd", Duration.ofHours(26));
        assertThat(render("{{[data.ts, data.pd, data.jd]}}", data))
                .isEqualTo("[2026-01-05T10:00:00.005Z, 5m, 26h]");
    }

    @Test
    void aMissingOrNullValueRendersAsAVisibleMarker() {
        Map<String, Object> data = new HashMap<>();
        data.put("none", NullValue.NULL_VALUE);
        assertThat(render("{{data.none}}|{{data.absent}}|{{ data.none }}", data))
                .isEqualTo("<missing data.none>|<missing data.absent>|<missing data.none>");
    }

    /** Bidirectional embeddings (U+202A-U+202E) and isolates (U+2066-U+2069), both ends of each range, and marks. */
    @ParameterizedTest(name = "U+{0}")
    @ValueSource(ints = {0x202A, 0x202B, 0x202E, 0x2066, 0x2069, 0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0x7F, 0x85, 0})
    void everyCharacterThatCouldReorderOrBreakTheLineIsReplaced(int cp) {
        String value = "a" + new String(Character.toChars(cp)) + "b";
        assertThat(render("{{data.v}}", Map.of("v", value))).isEqualTo("a\uFFFDb");
    }

    @ParameterizedTest(name = "U+{0}")
    @ValueSource(ints = {0x2065, 0x202F, 0x2070, 0x200D, 0x061B, 0x2010, 0xA0, 0x1F600})
    void ordinaryCharactersNextToThoseRangesAreKept(int cp) {
        String value = "a" + new String(Character.toChars(cp)) + "b";
        assertThat(render("{{data.v}}", Map.of("v", value))).isEqualTo(value);
    }

    @Test
    void aLoneHalfOfASurrogatePairIsReplaced() {
        assertThat(render("{{data.v}}", Map.of("v", "a\uD83Db\uDE00"))).isEqualTo("a\uFFFDb\uFFFD");
    }

    // --- identity: what a control's version sees ---

    @Test
    void templatesAreEqualWhenTheirTrimmedTextIs() {
        MessageTemplate a = template("  {{data.user}} logged in ");
        MessageTemplate b = template("{{data.user}} logged in");
        MessageTemplate c = template("{{data.user}} logged out");

        assertThat(a.text()).isEqualTo("{{data.user}} logged in");
        assertThat(a).hasToString("{{data.user}} logged in");
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).isNotEqualTo(c).isNotEqualTo("{{data.user}} logged in");
        assertThat(a.hashCode()).isEqualTo("{{data.user}} logged in".hashCode());
    }
}
