package io.controlwatch.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.model.CloudEvent;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ModelJson;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One partition of rule state as the evaluation service runs it, on a wall clock the test moves: each event is
 * evaluated by the engine and its routed parts folded into the stateful runtime and its store; a tick looks at the
 * time. Everything decided is kept in {@link #out}, in order, and every absence key retired in {@link #retired}.
 */
final class RuntimeHarness {

    final ControlEngine engine;
    final StatefulRuntime runtime;
    final InMemoryRuleStore store;
    final List<ControlExecution> out = new ArrayList<>();
    final List<RetiredKey> retired = new ArrayList<>();

    RuntimeHarness(ControlEngine engine) {
        this(engine, StatefulRuntime.Settings.DEFAULTS);
    }

    RuntimeHarness(ControlEngine engine, StatefulRuntime.Settings settings) {
        this(engine, new StatefulRuntime(engine, settings), new InMemoryRuleStore());
    }

    /** @param store shared with another harness, e.g. one of an older pack: a pack change on a running partition */
    RuntimeHarness(ControlEngine engine, StatefulRuntime runtime, InMemoryRuleStore store) {
        this.engine = engine;
        this.runtime = runtime;
        this.store = store;
    }

    /** The shipped SOC 2 pack. */
    static ControlEngine shippedEngine() {
        return ControlEngine.compile(ControlPackLoader.load(Path.of("../control-packs/soc2/controls.yaml")));
    }

    List<ControlExecution> event(CloudEvent event, Instant wall) {
        List<ControlExecution> produced = new ArrayList<>();
        ControlEngine.Evaluation evaluation = engine.evaluate(event, wall, wall);
        produced.addAll(evaluation.executions());
        evaluation.routed().forEach(r -> produced.addAll(runtime.onEvent(r, store, wall, retired::add)));
        out.addAll(produced);
        return produced;
    }

    List<ControlExecution> tick(Instant wall) {
        List<ControlExecution> produced = runtime.onTime(wall, store, wall, retired::add);
        out.addAll(produced);
        return produced;
    }

    List<ControlExecution> of(String control) {
        return out.stream().filter(e -> e.controlId().equals(control)).toList();
    }

    static CloudEvent event(String id, String source, String type, Instant time, Map<String, Object> data, boolean backfill) {
        ObjectNode node = ModelJson.mapper().valueToTree(data);
        return new CloudEvent("1.0", id, source, type, null, time.atOffset(ZoneOffset.UTC), "application/json", null,
                node, null, backfill ? Boolean.TRUE : null, null);
    }

    static CloudEvent failedLogin(String id, String source, String user, Instant time) {
        return event(id, source, "auth.login", time, Map.of("user", user, "outcome", "failure"), false);
    }
}
