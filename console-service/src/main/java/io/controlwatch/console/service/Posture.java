package io.controlwatch.console.service;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.quarkus.qute.TemplateData;

/** The posture grid: per Trust Services Criterion, the controls of each state at the end of the period. */
public final class Posture {

    /**
     * A control's state at the end of a period; MANUAL is a criterion left to people (the pack's manual section).
     * NOT_EXECUTED: its frequency expects an execution in the period's last interval and there is none;
     * NOT_DUE: no execution in the period, but its frequency expects none yet (a quarterly control over 7 days).
     */
    public enum State {
        PASSING, FAILING, EXEMPTED, NOT_EXECUTED, NOT_DUE, MANUAL
    }

    @TemplateData
    public record Cell(State state, List<String> controls) {
        public int count() {
            return controls.size();
        }
    }

    @TemplateData
    public record Row(String criterion, List<Cell> cells, String manualReason) {
        public boolean failing() {
            return cells.get(State.FAILING.ordinal()).count() > 0;
        }
    }

    private static final Pattern PARTS = Pattern.compile("([A-Za-z]+)(\\d+)\\.(\\d+)");

    /** CC2.1 < CC6.1 < CC10.1 < A1.1 by prefix, then numerically. */
    public static final Comparator<String> CRITERIA_ORDER = Comparator.comparing((String c) -> key(c, 1))
            .thenComparingInt(c -> Integer.parseInt(key(c, 2)))
            .thenComparingInt(c -> Integer.parseInt(key(c, 3)))
            .thenComparing(Comparator.naturalOrder());

    private static String key(String criterion, int group) {
        Matcher m = PARTS.matcher(criterion);
        if (m.matches()) {
            return m.group(group);
        }
        return group == 1 ? "~" + criterion : "0";
    }

    private Posture() {
    }

    /**
     * The one place a control's state at the end of {@code [from, to)} is decided (docs/console.md, "Posture"):
     * <ol>
     * <li>findings open at the end: FAILING, or EXEMPTED when an exemption was in force in the period;</li>
     * <li>else, with the interval its pack {@code frequency} implies ({@link ControlPack#interval}): when the period is
     * at least that long and the control's last execution in the period (event time) is older than {@code to} minus
     * the interval, or there is none, NOT_EXECUTED; no execution but the period is shorter than the interval,
     * NOT_DUE;</li>
     * <li>without a frequency (no pack file, a control the pack does not hold): NOT_EXECUTED when the period has no
     * execution;</li>
     * <li>else PASSING.</li>
     * </ol>
     */
    public static State state(Views.ControlPeriod c, Optional<Duration> interval, Instant from, Instant to) {
        if (c.findingsOpenAtEnd() > 0) {
            return c.exemptions().isEmpty() ? State.FAILING : State.EXEMPTED;
        }
        Instant last = c.lastExecutionAt();
        if (interval.isPresent()) {
            if (Duration.between(from, to).compareTo(interval.get()) >= 0
                    && (last == null || last.isBefore(to.minus(interval.get())))) {
                return State.NOT_EXECUTED;
            }
            return c.population() == 0 ? State.NOT_DUE : State.PASSING;
        }
        return c.population() == 0 ? State.NOT_EXECUTED : State.PASSING;
    }

    public static List<Row> grid(List<Views.ControlPeriod> controls, Function<Views.ControlPeriod, State> stateOf,
                                 List<ControlPack.Manual> manual) {
        Map<String, EnumMap<State, List<String>>> byCriterion = new TreeMap<>(CRITERIA_ORDER);
        Map<String, String> reasons = new TreeMap<>();
        for (Views.ControlPeriod c : controls) {
            for (String criterion : c.criteria()) {
                byCriterion.computeIfAbsent(criterion, k -> empty()).get(stateOf.apply(c)).add(c.controlId());
            }
        }
        for (ControlPack.Manual m : manual) {
            for (String criterion : m.criteria()) {
                byCriterion.computeIfAbsent(criterion, k -> empty()).get(State.MANUAL).add("manual");
                reasons.put(criterion, m.reason());
            }
        }
        List<Row> rows = new ArrayList<>();
        byCriterion.forEach((criterion, states) -> {
            List<Cell> cells = new ArrayList<>();
            states.forEach((state, ids) -> cells.add(new Cell(state, ids)));
            rows.add(new Row(criterion, cells, reasons.getOrDefault(criterion, "")));
        });
        return rows;
    }

    private static EnumMap<State, List<String>> empty() {
        EnumMap<State, List<String>> m = new EnumMap<>(State.class);
        for (State s : State.values()) {
            m.put(s, new ArrayList<>());
        }
        return m;
    }
}
