package io.controlwatch.bench;

import org.HdrHistogram.Histogram;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Entry point of the bench tool. Every command prints one machine-readable line {@code <COMMAND> key=value ...}
 * on stdout (the scripts parse it) and progress on stderr.
 * <pre>
 * size        mean size in bytes of a generated event (the record size for the raw Kafka baseline)
 * load        post a run's events (fixed rate or as fast as accepted), write run.properties + ledger.txt
 * verify      check a run against PostgreSQL, the alerting API and (--topics) the Kafka topics
 * throughput  load as fast as accepted, then wait until PostgreSQL holds every execution: pipeline events/s
 * latency     load at a fixed rate and time each violating event until its failure is stored
 * cpu-profile where each service's CPU went (bench/profile.sh): collapsed stacks + CPU seconds -> a table
 * pg-profile  where PostgreSQL's CPU went (bench/profile.sh): perf's collapsed stacks + CPU seconds -> a table
 * </pre>
 * Stack locations come from the environment (see {@link Stack}).
 */
public final class BenchMain {

    private BenchMain() {
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0 || argv[0].equals("--help")) {
            System.err.println("usage: load-generator size|load|verify|throughput|latency|cpu-profile|pg-profile [--option value ...] (see BENCHMARKS.md)");
            System.exit(2);
        }
        Args args = new Args(argv, 1);
        try {
            switch (argv[0]) {
                case "size" -> size(args);
                case "load" -> load(args);
                case "verify" -> verify(args);
                case "throughput" -> throughput(args);
                case "latency" -> latency(args);
                case "cpu-profile" -> cpuProfile(args);
                case "pg-profile" -> pgProfile(args);
                default -> throw new IllegalArgumentException("unknown command " + argv[0]);
            }
        } catch (IllegalArgumentException e) {
            System.err.println("load-generator: " + e.getMessage());
            System.exit(2);
        }
        System.exit(0);
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * {@code --dir D} holds {@code postgres.collapsed} (perf's stacks of the server's processes, collapsed) and
     * {@code cpu.txt}; prints the Markdown table of {@link PostgresCpu#report}.
     */
    private static void pgProfile(Args args) throws java.io.IOException {
        Path dir = Path.of(args.required("dir"));
        long events = args.longValue("events", 0);
        args.rejectUnknown();
        PostgresCpu.Tally tally = PostgresCpu.Tally.of(dir.resolve("postgres.collapsed"));
        double seconds = CpuCategories.cpuSeconds(dir.resolve("cpu.txt")).getOrDefault("postgres", 0.0);
        System.out.print(PostgresCpu.report(tally, seconds, events));
    }

    /**
     * {@code --dir D} holds {@code <service>.collapsed} per profiled service and {@code cpu.txt} (CPU seconds per
     * process group); prints the Markdown report of {@link CpuCategories#report}.
     */
    private static void cpuProfile(Args args) throws java.io.IOException {
        Path dir = Path.of(args.required("dir"));
        long events = args.longValue("events", 0);
        double intervalMs = args.doubleValue("interval-ms", 10);
        String[] services = args.string("services", "ingest,evaluation,alerting").split(",");
        args.rejectUnknown();
        Map<String, CpuCategories.Tally> tallies = new LinkedHashMap<>();
        for (String s : services) {
            tallies.put(s, CpuCategories.Tally.of(dir.resolve(s + ".collapsed")));
        }
        System.out.print(CpuCategories.report(tallies, CpuCategories.cpuSeconds(dir.resolve("cpu.txt")), events, intervalMs));
    }

    private static void size(Args args) {
        int samples = args.intValue("samples", 20_000);
        EventFactory factory = factory(args, "size0000");
        args.rejectUnknown();
        long bytes = 0;
        Instant now = Instant.now();
        for (int i = 0; i < samples; i++) {
            bytes += factory.event(i, now).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        }
        print("SIZE", Map.of("bytes", bytes / samples));
    }

    private static void load(Args args) throws Exception {
        Run run = Run.of(args, 0);
        args.rejectUnknown();
        LoadGenerator.Result result = run.load((first, count, nanos) -> { });
        print("LOAD", loadFigures(result));
    }

    private static void verify(Args args) throws Exception {
        Path dir = Path.of(args.required("run-dir"));
        Verifier.Options options = new Verifier.Options(
                Duration.ofSeconds(args.longValue("max-wait", 600)), Duration.ofSeconds(args.longValue("stall", 90)),
                args.flag("topics"), args.flag("api"), args.longValue("outage-from-ms", 0), args.longValue("outage-to-ms", 0));
        args.rejectUnknown();
        print("VERIFY", new Verifier(Stack.fromEnvironment(), dir, options).verify());
    }

    /**
     * Pipeline throughput: from the first POST to the moment PostgreSQL holds every execution of the run: the MFA
     * control's, checked one by one, and those of the stateful controls, once no consumer has anything left to do.
     */
    private static void throughput(Args args) throws Exception {
        Run run = Run.of(args, 0);
        Duration stall = Duration.ofSeconds(args.longValue("stall", 90));
        args.rejectUnknown();
        Stack stack = Stack.fromEnvironment();
        try (EvidenceStore store = new EvidenceStore(stack)) {
            long counterBefore = store.executionsCounter();
            LoadGenerator.Result result = run.load((first, count, nanos) -> { });
            RunManifest manifest = RunManifest.read(run.dir);
            EventFactory factory = EventFactory.of(manifest);
            Verifier.Accepted accepted = Verifier.accepted(Ledger.read(run.dir));
            List<EvidenceStore.Expected> expected = Verifier.expected(factory, accepted);
            long target = expected.stream().filter(e -> e.confirmed() && e.required()).count();

            // cheap progress signal first (one row), then the exact primary-key check
            long lastChange = System.nanoTime();
            long last = -1;
            long doneAtMs = -1;
            while (doneAtMs < 0) {
                long counted = store.executionsCounter() - counterBefore;
                if (counted >= target) {
                    doneAtMs = System.currentTimeMillis();
                } else {
                    if (counted != last) {
                        last = counted;
                        lastChange = System.nanoTime();
                    } else if (System.nanoTime() - lastChange > stall.toNanos()) {
                        break;
                    }
                    Thread.sleep(50);
                }
            }
            store.loadExpected(expected);
            long stored = store.storedRequired();
            lastChange = System.nanoTime();
            while (stored < target && System.nanoTime() - lastChange < stall.toNanos()) {
                // other traffic moved the counter: keep waiting on the exact figure
                Thread.sleep(250);
                long now = store.storedRequired();
                if (now != stored) {
                    lastChange = System.nanoTime();
                }
                stored = now;
                doneAtMs = System.currentTimeMillis();
            }
            // the MFA executions are all there; the stateful controls (repartitioned, windowed) may still work:
            // wait until both services have consumed everything, then take the last row's time
            boolean drained = false;
            long completeAtMs = doneAtMs;
            if (doneAtMs > 0 && stored >= target) {
                try (PipelineLag lag = new PipelineLag(stack)) {
                    long lowest = Long.MAX_VALUE;
                    lastChange = System.nanoTime();
                    while (System.nanoTime() - lastChange < stall.toNanos()) {
                        long pending = lag.evaluation() + lag.alerting();
                        if (pending == 0) {
                            drained = true;
                            break;
                        }
                        if (pending < lowest) {
                            lowest = pending;
                            lastChange = System.nanoTime();
                        }
                        Thread.sleep(250);
                    }
                }
                if (drained) {
                    completeAtMs = Math.max(doneAtMs, store.lastRecordedAtMs(result.firstStartMs()));
                }
            }
            Map<String, Object> out = loadFigures(result);
            double seconds = (completeAtMs - result.firstStartMs()) / 1000.0;
            out.put("executions_expected", target);
            out.put("executions_stored", stored);
            out.put("lost", target - stored);
            out.put("mfa_complete_seconds", round((doneAtMs - result.firstStartMs()) / 1000.0));
            out.put("drained", drained);
            out.put("stateful_drain_seconds", round((completeAtMs - doneAtMs) / 1000.0));
            out.put("pipeline_seconds", round(seconds));
            out.put("pipeline_eps", stored < target || doneAtMs < 0 || !drained ? 0 : Math.round(result.accepted() / seconds));
            print("THROUGHPUT", out);
        }
    }

    /** Ingest → failure-recorded latency: each violating event, from its POST to its failure row in PostgreSQL. */
    private static void latency(Args args) throws Exception {
        double rate = args.doubleValue("rate", 500);
        long seconds = args.longValue("seconds", 30);
        Run run = Run.of(args, Math.max(1, Math.round(rate * seconds)));
        long pollMs = args.longValue("poll-ms", 5);
        args.rejectUnknown();
        Stack stack = Stack.fromEnvironment();
        EventFactory factory = run.factory;
        Map<UUID, Long> outstanding = new ConcurrentHashMap<>();
        Histogram latency = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
        long[] polls = new long[1];
        Thread poller;
        try (EvidenceStore store = new EvidenceStore(stack)) {
            poller = new Thread(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        List<UUID> ids = new ArrayList<>(outstanding.keySet());
                        Set<UUID> found = store.storedFailures(ids);
                        long now = System.nanoTime();
                        for (UUID id : found) {
                            Long sent = outstanding.remove(id);
                            if (sent != null) {
                                latency.recordValue(Math.min(latency.getHighestTrackableValue(), (now - sent) / 1000));
                            }
                        }
                        polls[0]++;
                        Thread.sleep(pollMs);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            }, "failure-poller");
            poller.start();
            LoadGenerator.Result result = run.load((first, count, nanos) -> {
                for (long seq = first; seq < first + count; seq++) {
                    if (factory.kind(seq) == EventFactory.Kind.VIOLATING_LOGIN) {
                        outstanding.put(UUID.fromString(factory.executionId(seq)), nanos);
                    }
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!outstanding.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            poller.interrupt();
            poller.join(5000);
            Map<String, Object> out = loadFigures(result);
            out.put("rate", rate);
            out.put("failures_timed", latency.getTotalCount());
            out.put("failures_missing", outstanding.size());
            out.put("p50_ms", ms(latency.getValueAtPercentile(50)));
            out.put("p90_ms", ms(latency.getValueAtPercentile(90)));
            out.put("p99_ms", ms(latency.getValueAtPercentile(99)));
            out.put("p999_ms", ms(latency.getValueAtPercentile(99.9)));
            out.put("max_ms", ms(latency.getMaxValue()));
            out.put("polls", polls[0]);
            print("LATENCY", out);
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    /** One run's directory, events and load settings, from the common options. */
    private record Run(Path dir, String runId, long seed, EventFactory factory, LoadGenerator.Settings settings,
                       double loginShare, double violationShare) {

        static Run of(Args args, long defaultEvents) {
            Path dir = Path.of(args.required("run-dir"));
            String runId = args.string("run-id", dir.getFileName().toString());
            long seed = args.longValue("seed", runId.hashCode());
            double login = args.doubleValue("login-share", 0.8);
            double violation = args.doubleValue("violation-share", 0.2);
            long events = args.longValue("events", defaultEvents);
            if (events <= 0) {
                throw new IllegalArgumentException("--events is required");
            }
            LoadGenerator.Settings settings = new LoadGenerator.Settings(events, args.doubleValue("rate", 0),
                    args.intValue("batch", 100), args.intValue("concurrency", 4),
                    Duration.ofSeconds(args.longValue("retry-for", 120)),
                    Duration.ofSeconds(args.longValue("max-seconds", 900)), args.doubleValue("poison-share", 0),
                    args.doubleValue("hostile-share", 0));
            return new Run(dir, runId, seed, new EventFactory(runId, seed, login, violation), settings, login, violation);
        }

        LoadGenerator.Result load(LoadGenerator.SendListener listener) throws Exception {
            RunManifest manifest = new RunManifest(runId, seed, loginShare, violationShare, settings.events(),
                    settings.rate(), settings.batch(), System.currentTimeMillis());
            manifest.write(dir);
            try (Ledger ledger = new Ledger(dir)) {
                return new LoadGenerator(Stack.fromEnvironment(), factory, settings, ledger, listener, runId).run();
            }
        }
    }

    private static EventFactory factory(Args args, String runId) {
        return new EventFactory(runId, 1, args.doubleValue("login-share", 0.8), args.doubleValue("violation-share", 0.2));
    }

    private static Map<String, Object> loadFigures(LoadGenerator.Result r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("events", r.events());
        out.put("accepted", r.accepted());
        out.put("unconfirmed", r.unconfirmed());
        out.put("rejected", r.rejected());
        out.put("unsent", r.unsent());
        out.put("requests", r.requests());
        r.statuses().forEach((status, n) -> out.put("http_" + (status < 0 ? "noanswer" : status), n));
        out.put("load_seconds", round(r.seconds()));
        out.put("accepted_eps", Math.round(r.acceptedPerSecond()));
        if (r.acceptedByIngest().size() > 1) {
            // per ingest instance, in CW_INGEST_URLS order: the load really was shared
            out.put("accepted_by_ingest", r.acceptedByIngest().stream().map(String::valueOf)
                    .collect(java.util.stream.Collectors.joining("/")));
        }
        out.put("http_p50_ms", ms(r.requestLatency().getValueAtPercentile(50)));
        out.put("http_p99_ms", ms(r.requestLatency().getValueAtPercentile(99)));
        if (r.poisonAcked() > 0 || r.poisonFailed() > 0) {
            out.put("poison", r.poisonAcked());
            out.put("poison_failed", r.poisonFailed());
        }
        if (r.hostile() != null) {
            out.put("hostile", r.hostile().sent());
            out.put("hostile_refused", r.hostile().refusedAsExpected());
            out.put("hostile_other_4xx", r.hostile().otherClientError());
            out.put("hostile_5xx", r.hostile().serverError());
            out.put("hostile_2xx", r.hostile().accepted());
            out.put("hostile_noanswer", r.hostile().noAnswer());
        }
        out.put("generator_cpu_s", round(ProcessHandle.current().info().totalCpuDuration()
                .map(d -> d.toMillis() / 1000.0).orElse(-1.0)));
        out.put("first_start_ms", r.firstStartMs());
        out.put("last_end_ms", r.lastEndMs());
        return out;
    }

    private static double ms(long micros) {
        return round(micros / 1000.0);
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static void print(String command, Map<String, ?> figures) {
        StringBuilder line = new StringBuilder(command);
        figures.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
        System.out.println(line);
    }
}
