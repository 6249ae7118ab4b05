package io.controlwatch.evaluation.service;

import io.controlwatch.engine.ControlEngine;
import io.controlwatch.engine.ControlPack;
import io.controlwatch.engine.StatefulRuntime;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The control pack this instance evaluates with, swappable while running: every record is evaluated with the
 * pack current when it is processed, and every execution names that pack's version.
 */
public final class ActivePack implements Supplier<ActivePack.Loaded> {

    /** A compiled pack, ready for both single-event and stateful controls. */
    public record Loaded(ControlPack pack, ControlEngine engine, StatefulRuntime runtime) {
        public static Loaded of(ControlPack pack, StatefulRuntime.Settings settings) {
            ControlEngine engine = ControlEngine.compile(pack);
            return new Loaded(pack, engine, new StatefulRuntime(engine, settings));
        }
    }

    private final AtomicReference<Loaded> current;
    private final StatefulRuntime.Settings settings;

    public ActivePack(ControlPack pack) {
        this(pack, StatefulRuntime.Settings.DEFAULTS);
    }

    public ActivePack(ControlPack pack, StatefulRuntime.Settings settings) {
        this.settings = settings;
        this.current = new AtomicReference<>(Loaded.of(pack, settings));
    }

    @Override
    public Loaded get() {
        return current.get();
    }

    /** Compiles and activates a validated pack; returns the pack it replaced. */
    public ControlPack activate(ControlPack pack) {
        return current.getAndSet(Loaded.of(pack, settings)).pack();
    }
}
