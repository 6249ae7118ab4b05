package io.controlwatch.console.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

class PostureTest {

    static final Instant TO = Instant.parse("2026-12-04T12:00:00Z");
    static final Instant FROM = TO.minus(Duration.ofDays(7));
    static final Duration DAY = Duration.ofDays(1);

    static Views.ControlPeriod control(String id, List<String> criteria, long population, long openAtEnd,
                                       List<String> exemptions) {
        return executed(id, criteria, population, openAtEnd, exemptions, population == 0 ? null : TO.minusSeconds(60));
    }

    /** A control whose last execution in the period (event time) was at {@code last}. */
    static Views.ControlPeriod executed(String id, List<String> criteria, long population, long openAtEnd,
                                        List<String> exemptions, Instant last) {
        List<Views.Version> versions = last == null ? List.of()
                : List.of(new Views.Version("sha256:old", FROM, last.minus(DAY), 1), new Views.Version("sha256:new", last, last, population - 1));
        return new Views.ControlPeriod(id, id, "", criteria, "", "high", "active", population, population, 0, 0, 0,
                openAtEnd, exemptions, versions, "");
    }

    static Posture.State state(Views.ControlPeriod c, String frequency, Instant from) {
        return Posture.state(c, ControlPack.interval(frequency, DAY), from, TO);
    }

    @Test
    void aControlIsNotExecutedWhenItsFrequencyExpectedAnExecutionInThePeriodsLastIntervalAndNoneCame() {
        List<String> cc = List.of("CC7.2");
        // a daily control that last ran two days before the end of a week: overdue, though the period has executions
        assertThat(state(executed("d", cc, 5, 0, List.of(), TO.minus(Duration.ofDays(2))), "daily", FROM))
                .isEqualTo(Posture.State.NOT_EXECUTED);
        // ... that ran within the last day: passing
        assertThat(state(executed("d", cc, 5, 0, List.of(), TO.minus(Duration.ofHours(23))), "daily", FROM))
                .isEqualTo(Posture.State.PASSING);
        // continuous (event-driven) is held to the configured interval, a day here; "" is the pack's default, continuous
        assertThat(state(executed("c", cc, 5, 0, List.of(), TO.minus(Duration.ofHours(25))), "continuous", FROM))
                .isEqualTo(Posture.State.NOT_EXECUTED);
        assertThat(state(control("c", cc, 0, 0, List.of()), "", FROM)).isEqualTo(Posture.State.NOT_EXECUTED);
        // a weekly control that last ran 6 days ago is in time; 8 days ago (in a 30-day period) it is not
        assertThat(state(executed("w", cc, 2, 0, List.of(), TO.minus(Duration.ofDays(6))), "weekly", FROM))
                .isEqualTo(Posture.State.PASSING);
        assertThat(state(executed("w", cc, 2, 0, List.of(), TO.minus(Duration.ofDays(8))), "weekly", TO.minus(Duration.ofDays(30))))
                .isEqualTo(Posture.State.NOT_EXECUTED);
        // a quarterly control silent for a week is not due yet; silent for the whole of a 92-day period it is overdue
        assertThat(state(control("q", cc, 0, 0, List.of()), "quarterly", FROM)).isEqualTo(Posture.State.NOT_DUE);
        assertThat(state(control("q", cc, 0, 0, List.of()), "quarterly", TO.minus(Duration.ofDays(92))))
                .isEqualTo(Posture.State.NOT_EXECUTED);
        // an hourly control in a one-day period that last ran 61 minutes before its end
        assertThat(state(executed("h", cc, 20, 0, List.of(), TO.minus(Duration.ofMinutes(61))), "hourly", TO.minus(DAY)))
                .isEqualTo(Posture.State.NOT_EXECUTED);
        // open findings win: a failing control is failing whether or not it ran lately
        assertThat(state(control("f", cc, 0, 1, List.of()), "daily", FROM)).isEqualTo(Posture.State.FAILING);
        assertThat(state(control("e", cc, 0, 1, List.of("x-1")), "daily", FROM)).isEqualTo(Posture.State.EXEMPTED);
        // a frequency the console does not know: no interval, the period decides
        assertThat(ControlPack.interval("fortnightly", DAY)).isEmpty();
    }

    @Test
    void intervalsReadAsWordsInTheExplanation() {
        assertThat(Views.every(DAY)).isEqualTo("day");
        assertThat(Views.every(Duration.ofDays(7))).isEqualTo("7 days");
        assertThat(Views.every(Duration.ofHours(6))).isEqualTo("6 hours");
        assertThat(Views.every(Duration.ofMinutes(90))).isEqualTo("1h 30m");
    }

    @Test
    void theLastExecutionIsTheLatestOfItsVersions() {
        Instant last = TO.minus(Duration.ofHours(3));
        assertThat(executed("x", List.of("CC6.1"), 3, 0, List.of(), last).lastExecutionAt()).isEqualTo(last);
        assertThat(control("x", List.of("CC6.1"), 0, 0, List.of()).lastExecutionAt()).isNull();
    }

    @Test
    void theShippedPacksFrequenciesAllHaveAnInterval() {
        ControlPack.Loaded loaded = ControlPack.read(Optional.of(Path.of("..", "control-packs", "soc2", "controls.yaml")));
        assertThat(loaded.controls().values()).isNotEmpty().allSatisfy(c ->
                assertThat(ControlPack.interval(c.frequency(), DAY)).as(c.id() + " " + c.frequency()).isPresent());
    }

    @Test
    void aControlCountsOncePerCriterionInTheStateItEndedThePeriodIn() {
        List<Views.ControlPeriod> controls = List.of(
                control("passing", List.of("CC6.1"), 10, 0, List.of()),
                control("failing", List.of("CC6.1", "CC7.2"), 10, 2, List.of()),
                control("exempted", List.of("CC7.2"), 3, 1, List.of("e-1")),
                control("silent", List.of("CC10.1"), 0, 0, List.of()));
        List<ControlPack.Manual> manual = List.of(new ControlPack.Manual(List.of("CC1.1"), "people"));

        // without a pack file: no frequency, "not executed" is no execution in the period
        List<Posture.Row> rows = Posture.grid(controls, c -> Posture.state(c, Optional.empty(), FROM, TO), manual);

        assertThat(rows).extracting(Posture.Row::criterion).containsExactly("CC1.1", "CC6.1", "CC7.2", "CC10.1");
        Map<String, List<Integer>> counts = rows.stream().collect(Collectors.toMap(Posture.Row::criterion,
                r -> r.cells().stream().map(Posture.Cell::count).toList()));
        // PASSING, FAILING, EXEMPTED, NOT_EXECUTED, NOT_DUE, MANUAL
        assertThat(counts.get("CC6.1")).containsExactly(1, 1, 0, 0, 0, 0);
        assertThat(counts.get("CC7.2")).containsExactly(0, 1, 1, 0, 0, 0);
        assertThat(counts.get("CC10.1")).containsExactly(0, 0, 0, 1, 0, 0);
        assertThat(counts.get("CC1.1")).containsExactly(0, 0, 0, 0, 0, 1);
        assertThat(rows.get(0).manualReason()).isEqualTo("people");
        assertThat(rows.get(1).failing()).isTrue();
    }

    @Test
    void criteriaSortByFamilyThenNumerically() {
        assertThat(List.of("CC10.1", "A1.2", "CC2.1", "CC6.10", "CC6.2").stream().sorted(Posture.CRITERIA_ORDER).toList())
                .containsExactly("A1.2", "CC2.1", "CC6.2", "CC6.10", "CC10.1");
    }

    @Test
    void theShippedPackGivesKindsEventTypesAndManualCriteria() {
        Path pack = Path.of("..", "control-packs", "soc2", "controls.yaml");
        ControlPack.Loaded loaded = ControlPack.read(Optional.of(pack));

        ControlPack.PackControl mfa = loaded.controls().get("cc6.1-console-login-mfa");
        assertThat(mfa.kind()).isEqualTo("event");
        assertThat(mfa.eventTypes()).contains("auth.login");
        // a correlation reads the event types of both its sides
        assertThat(loaded.controls().values()).anySatisfy(c -> {
            assertThat(c.kind()).isEqualTo("correlation");
            assertThat(c.eventTypes()).contains("hr.employee.terminated", "auth.login");
        });
        assertThat(loaded.controls().values()).extracting(ControlPack.PackControl::kind)
                .contains("event", "threshold", "absence", "correlation");
        assertThat(loaded.manual()).anySatisfy(m -> assertThat(m.criteria()).contains("CC1.1"));
    }

    @Test
    void anUnreadablePackLeavesTheColumnsEmptyInsteadOfFailingThePages() {
        ControlPack.Loaded loaded = ControlPack.read(Optional.of(Path.of("no-such-pack.yaml")));
        assertThat(loaded.controls()).isEmpty();
        assertThat(loaded.manual()).isEmpty();
    }
}
