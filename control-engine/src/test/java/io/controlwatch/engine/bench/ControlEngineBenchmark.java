package io.controlwatch.engine.bench;

import io.controlwatch.engine.ControlEngine;
import io.controlwatch.engine.ControlPack;
import io.controlwatch.engine.ControlPackLoader;
import io.controlwatch.engine.InMemoryRuleStore;
import io.controlwatch.engine.RoutedEvent;
import io.controlwatch.engine.StatefulRuntime;
import io.controlwatch.engine.fixtures.Fixture;
import io.controlwatch.engine.fixtures.FixtureRunner;
import io.controlwatch.model.CloudEvent;
import io.controlwatch.model.ControlExecution;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The rule engine alone, with the whole shipped pack loaded: events per second on one thread, single-event and
 * stateful controls together (routing, CEL, state in memory). The events are every event of the pack's fixtures,
 * replayed with ever later times and fresh ids, so windows, absences and correlations keep opening and closing.
 * Run with {@code bench/engine-benchmark.sh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class ControlEngineBenchmark {

    private ControlEngine engine;
    private StatefulRuntime runtime;
    private InMemoryRuleStore store;
    private List<CloudEvent> corpus;
    private int next;
    private long sequence;
    private final Instant start = Instant.parse("2026-01-01T00:00:00Z");

    @Setup(Level.Trial)
    public void load() throws IOException {
        Path packDir = Path.of(System.getProperty("cw.pack.dir", "control-packs/soc2"));
        ControlPack pack = ControlPackLoader.load(packDir.resolve("controls.yaml"));
        engine = ControlEngine.compile(pack);
        runtime = new StatefulRuntime(engine);
        store = new InMemoryRuleStore();
        corpus = new ArrayList<>();
        try (Stream<Path> files = Files.list(packDir.resolve("fixtures"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                Fixture fixture = FixtureRunner.read(file);
                for (Fixture.Case c : fixture.cases()) {
                    for (Fixture.Step step : c.events()) {
                        if (step.type() != null) {
                            corpus.add(new CloudEvent("1.0", "x", step.source() != null ? step.source()
                                    : "https://fixtures.controlwatch.test", step.type(), step.subject(), null,
                                    "application/json", null, step.data()));
                        }
                    }
                }
            }
        }
        System.out.printf("%n# pack %s %s: %d controls; corpus of %d fixture events%n", pack.name(), pack.version(),
                pack.controls().size(), corpus.size());
    }

    @Benchmark
    public void evaluate(Blackhole blackhole) {
        CloudEvent template = corpus.get(next);
        next = (next + 1) % corpus.size();
        long n = sequence++;
        // one event per simulated 100 ms: time moves on, so state is created, decided and forgotten
        Instant time = start.plusMillis(n * 100);
        CloudEvent event = new CloudEvent(template.specversion(), "bench-" + n, template.source(), template.type(),
                template.subject(), time.atOffset(ZoneOffset.UTC), template.datacontenttype(), null, template.data());
        ControlEngine.Evaluation evaluation = engine.evaluate(event, time, time);
        blackhole.consume(evaluation.executions());
        for (RoutedEvent routed : evaluation.routed()) {
            List<ControlExecution> decided = runtime.onEvent(routed, store, time);
            blackhole.consume(decided);
        }
    }
}
