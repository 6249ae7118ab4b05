package io.controlwatch.engine;

import io.controlwatch.engine.internal.CelSupport;
import io.controlwatch.engine.internal.CompiledControl;
import io.controlwatch.engine.internal.EventActivation;
import io.controlwatch.model.CloudEvent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tests events against the controls of one pack. Thread-safe and immutable: compile once, evaluate from any
 * number of threads. An event whose type no control applies to costs one map lookup and yields nothing.
 */
public final class ControlEngine {

    private final ControlPack pack;
    private final Map<String, List<CompiledControl>> controlsByEventType;

    private ControlEngine(ControlPack pack, Map<String, List<CompiledControl>> controlsByEventType) {
        this.pack = pack;
        this.controlsByEventType = controlsByEventType;
    }

    /** Compiles every control of a validated pack. */
    public static ControlEngine compile(ControlPack pack) {
        Map<String, List<CompiledControl>> byType = new HashMap<>();
        for (Control control : pack.controls()) {
            CompiledControl compiled = CelSupport.compile(control);
            for (String type : control.appliesTo()) {
                byType.computeIfAbsent(type, t -> new ArrayList<>()).add(compiled);
            }
        }
        byType.replaceAll((type, controls) -> List.copyOf(controls));
        return new ControlEngine(pack, Map.copyOf(byType));
    }

    public ControlPack pack() {
        return pack;
    }

    /**
     * Tests one event against every control that applies to its type. Never throws for a bad event: a CEL
     * runtime error becomes an {@code ERROR} verdict for that control.
     *
     * @return one verdict per applicable control; empty when no control applies (not applicable: no execution)
     */
    public List<Verdict> evaluate(CloudEvent event) {
        List<CompiledControl> controls = controlsByEventType.get(event.type());
        if (controls == null) {
            return List.of();
        }
        Map<String, Object> activation = EventActivation.of(event);
        List<Verdict> verdicts = new ArrayList<>(controls.size());
        for (CompiledControl control : controls) {
            verdicts.add(control.evaluate(event, activation));
        }
        return verdicts;
    }
}
