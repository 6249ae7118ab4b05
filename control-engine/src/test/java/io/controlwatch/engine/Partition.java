package io.controlwatch.engine;

import io.controlwatch.model.CloudEvent;
import io.controlwatch.model.ControlExecution;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Feeds events and ticks to one runtime and store, as the evaluation service does, on a wall clock of its own. */
final class Partition {
    final ControlEngine engine;
    final StatefulRuntime runtime;
    final InMemoryRuleStore store = new InMemoryRuleStore();
    final List<ControlExecution> out = new ArrayList<>();

    Partition(ControlEngine engine) {
        this(engine, StatefulRuntime.Settings.DEFAULTS);
    }

    Partition(ControlEngine engine, StatefulRuntime.Settings settings) {
        this.engine = engine;
        runtime = new StatefulRuntime(engine, settings);
    }

    List<ControlExecution> event(CloudEvent event, Instant wall) {
        List<ControlExecution> produced = new ArrayList<>();
        ControlEngine.Evaluation evaluation = engine.evaluate(event, wall, wall);
        produced.addAll(evaluation.executions());
        evaluation.routed().forEach(r -> produced.addAll(runtime.onEvent(r, store, wall)));
        out.addAll(produced);
        return produced;
    }

    List<ControlExecution> tick(Instant wall) {
        List<ControlExecution> produced = runtime.onTime(wall, store, wall);
        out.addAll(produced);
        return produced;
    }

    List<ControlExecution> of(String control) {
        return out.stream().filter(e -> e.controlId().equals(control)).toList();
    }
}
