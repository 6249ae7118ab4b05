package io.controlwatch.console.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

class PostureTest {

    static Views.ControlPeriod control(String id, List<String> criteria, long population, long openAtEnd,
                                       List<String> exemptions) {
        return new Views.ControlPeriod(id, id, "", criteria, "", "high", "active", population, population, 0, 0, 0,
                openAtEnd, exemptions, List.of(), "");
    }

    @Test
    void aControlCountsOncePerCriterionInTheStateItEndedThePeriodIn() {
        List<Views.ControlPeriod> controls = List.of(
                control("passing", List.of("CC6.1"), 10, 0, List.of()),
                control("failing", List.of("CC6.1", "CC7.2"), 10, 2, List.of()),
                control("exempted", List.of("CC7.2"), 3, 1, List.of("e-1")),
                control("silent", List.of("CC10.1"), 0, 0, List.of()));
        List<ControlPack.Manual> manual = List.of(new ControlPack.Manual(List.of("CC1.1"), "people"));

        List<Posture.Row> rows = Posture.grid(controls, manual);

        assertThat(rows).extracting(Posture.Row::criterion).containsExactly("CC1.1", "CC6.1", "CC7.2", "CC10.1");
        Map<String, List<Integer>> counts = rows.stream().collect(Collectors.toMap(Posture.Row::criterion,
                r -> r.cells().stream().map(Posture.Cell::count).toList()));
        // PASSING, FAILING, EXEMPTED, NOT_EXECUTED, MANUAL
        assertThat(counts.get("CC6.1")).containsExactly(1, 1, 0, 0, 0);
        assertThat(counts.get("CC7.2")).containsExactly(0, 1, 1, 0, 0);
        assertThat(counts.get("CC10.1")).containsExactly(0, 0, 0, 1, 0);
        assertThat(counts.get("CC1.1")).containsExactly(0, 0, 0, 0, 1);
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
