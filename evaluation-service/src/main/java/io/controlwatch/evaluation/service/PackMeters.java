package io.controlwatch.evaluation.service;

import io.controlwatch.engine.Control;
import io.controlwatch.engine.ControlPack;
import io.controlwatch.engine.rule.AbsenceRule;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.List;

/**
 * Registers every series of the evaluation's counters at zero as soon as it can exist: one per control and result
 * of the running pack (also after a pack is activated), one per absence control that retires keys, and the known
 * dead-letter reasons. A dashboard then shows 0 for a control that has not run yet, instead of no data.
 */
@ApplicationScoped
public class PackMeters {

    private static final List<String> RESULTS = List.of("pass", "fail", "error");
    private static final List<String> DEAD_LETTER_REASONS = List.of("invalid-json", "invalid-event", "processing-error");

    private final MeterRegistry registry;
    private final PackRegistry packs;

    public PackMeters(MeterRegistry registry, PackRegistry packs) {
        this.registry = registry;
        this.packs = packs;
    }

    void onStart(@Observes StartupEvent startup) {
        DEAD_LETTER_REASONS.forEach(reason -> registry.counter("cw.events.dead.lettered", "reason", reason));
        register(packs.activePack().get().pack());
        packs.onActivation(this::register);
    }

    private void register(ControlPack pack) {
        for (Control control : pack.controls()) {
            for (String result : RESULTS) {
                registry.counter("cw.executions", "control", control.id(), "result", result);
            }
            if (control.rule() instanceof AbsenceRule absence && absence.retireAfter() != null) {
                registry.counter("cw.absence.keys.retired", "control", control.id());
            }
        }
    }
}
