package io.controlwatch.system.bench;

import io.controlwatch.model.Topics;
import io.controlwatch.system.bench.EvaluationBench.Drain;
import io.controlwatch.system.bench.EvaluationBench.EvaluationProcess;
import io.controlwatch.testsupport.TestKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * How the evaluation service's cost per event grows with the pack (controls) and with its state (distinct subjects).
 * Not a test: {@code bench/scaling.sh --help}.
 * <p>
 * Every point is the packaged service, in an application id of its own (fresh state), draining a backlog on one
 * private broker, from ready until it has committed the end of the events topic and then of everything it routed to
 * its stateful controls, with the service's CPU over the same span; then the size of its Kafka Streams state
 * directory (after a clean stop, so RocksDB has flushed), of its changelog topics, and the live keys of its rule
 * state (from the changelog). Two series in one run, on the same machine, so that their ratios mean something:
 * controls (at a fixed number of subjects) and subjects (with the shipped pack).
 */
public final class ScalingBenchmark {

    /** Figures "warm" leave out the first tenth of the events: the service's JIT warm-up, about the same at every point. */
    private static final double WARM_UP_SHARE = 0.1;

    /** Event time between two consecutive events of a backlog: the same density of event time at every point. */
    private static final Duration SPACING = Duration.ofMillis(10);

    private ScalingBenchmark() {
    }

    /** What one run measures; each option of bench/scaling.sh. */
    record Options(int events, List<Integer> controls, int controlsSubjects, List<Integer> subjects, int port,
                   Path results) {

        /** Reads the command line; {@code shipped} in {@code --controls} stands for the shipped pack's size. */
        static Options parse(String[] args, int shipped) {
            Map<String, String> given = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i += 2) {
                if (!args[i].startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException("expected --option value, got '" + args[i] + "' (see --help)");
                }
                given.put(args[i].substring(2), args[i + 1]);
            }
            Options options = new Options(
                    Integer.parseInt(given.getOrDefault("events", "200000")),
                    list(given.getOrDefault("controls", "5,shipped,200").replace("shipped", String.valueOf(shipped))),
                    Integer.parseInt(given.getOrDefault("controls-subjects", "1000")),
                    list(given.getOrDefault("subjects", "1000,100000,1000000")),
                    Integer.parseInt(given.getOrDefault("port", "18182")),
                    Path.of(given.getOrDefault("results", System.getProperty("cw.repo.root", "..") + "/bench/results/scaling-latest.md")));
            given.keySet().removeAll(List.of("events", "controls", "controls-subjects", "subjects", "port", "results"));
            if (!given.isEmpty()) {
                throw new IllegalArgumentException("unknown options " + given.keySet() + " (see --help)");
            }
            return options;
        }

        private static List<Integer> list(String commaSeparated) {
            return commaSeparated.isBlank() ? List.of()
                    : Arrays.stream(commaSeparated.split(",")).map(String::trim).map(Integer::valueOf).toList();
        }

        /** Every subject appears at least once: a point has at least as many events as subjects. */
        int eventsFor(int subjects) {
            return Math.max(events, subjects);
        }
    }

    /** Events of one backlog, from {@code start} (per partition of the events topic) on. */
    record Backlog(Map<TopicPartition, Long> start, int events, int subjects) {
    }

    /** One point of a curve. */
    record Point(int controls, int subjects, int events, Drain drain, double stateDirMb, double changelogMb,
                 RuleStateKeys stateKeys) {

        double eventsPerCpuSecond() {
            return events / drain.cpuSeconds();
        }

        /** Events per CPU second after the warm-up: the rest of the events over the rest of the CPU. */
        double warmEventsPerCpuSecond() {
            return (events - drain.warmedUp().events()) / (drain.cpuSeconds() - drain.warmedUp().cpuSeconds());
        }

        String result() {
            return String.format(Locale.ROOT, "RESULT scaling controls=%d subjects=%d events=%d seconds=%.1f"
                            + " events_topic_drained_s=%.1f events_per_s=%.0f"
                            + " cpu_s=%.1f cpu_us_per_event=%.1f eps_per_cpu_s=%.0f warm_eps_per_cpu_s=%.0f"
                            + " state_dir_mb=%.1f changelog_mb=%.1f state_keys=%d keyed_controls=%d max_keys_per_control=%d",
                    controls, subjects, events, drain.seconds(), drain.secondsByTopic().get(0), events / drain.seconds(),
                    drain.cpuSeconds(), drain.cpuSeconds() * 1e6 / events, eventsPerCpuSecond(),
                    warmEventsPerCpuSecond(), stateDirMb, changelogMb,
                    stateKeys.total(), stateKeys.byControl().size(), stateKeys.maxPerControl());
        }
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(System.getProperty("cw.repo.root", ".."));
        Path shipped = root.resolve("control-packs/soc2/controls.yaml");
        int shippedControls = ScalingPacks.size(shipped);
        Options options = Options.parse(args, shippedControls);
        Path work = Path.of("target/scaling").toAbsolutePath();
        Path stateDir = work.resolve("state");
        deleteRecursively(work);
        Files.createDirectories(work);
        Map<Integer, Path> packs = new LinkedHashMap<>();
        for (int controls : Stream.concat(options.controls().stream(), Stream.of(shippedControls)).distinct().toList()) {
            packs.put(controls, ScalingPacks.write(shipped, controls, work.resolve("packs")));
        }
        System.out.printf("scaling: controls %s at %d subjects; subjects %s at %d controls; %d events per point"
                        + " (as many as subjects where there are more); packs and logs in %s%n",
                options.controls(), options.controlsSubjects(), options.subjects(), shippedControls, options.events(), work);

        List<Point> byControls = new ArrayList<>();
        List<Point> bySubjects = new ArrayList<>();
        try (TestKafka.Isolated kafka = TestKafka.isolatedBroker()) {
            String servers = kafka.bootstrapServers();
            if (!options.controls().isEmpty()) {
                Backlog backlog = write(servers, options.eventsFor(options.controlsSubjects()), options.controlsSubjects());
                for (int controls : options.controls()) {
                    byControls.add(measure(servers, options, packs.get(controls), controls, backlog, stateDir, work));
                }
            }
            for (int subjects : options.subjects()) {
                // the point both series have in common is measured once
                Point same = byControls.stream().filter(p -> p.controls() == shippedControls && p.subjects() == subjects)
                        .findFirst().orElse(null);
                if (same != null) {
                    bySubjects.add(same);
                    continue;
                }
                Backlog backlog = write(servers, options.eventsFor(subjects), subjects);
                bySubjects.add(measure(servers, options, packs.get(shippedControls), shippedControls, backlog, stateDir, work));
            }
        }
        writeTable(options, byControls, bySubjects);
        System.out.println("table: " + options.results());
        System.exit(0);
    }

    /** Appends a backlog of {@code events} events about {@code subjects} subjects to the events topic. */
    static Backlog write(String servers, int events, int subjects) throws Exception {
        Map<TopicPartition, Long> start;
        try (Admin admin = EvaluationBench.admin(servers)) {
            start = EvaluationBench.ends(admin, Topics.EVENTS);
        }
        long began = System.nanoTime();
        // the newest event is ten minutes old: every window and deadline of the backlog lies in the past
        Instant t0 = Instant.now().minus(SPACING.multipliedBy(events)).minus(Duration.ofMinutes(10));
        String run = "s" + subjects + "-" + System.currentTimeMillis();
        EvaluationBench.produce(servers, events, i -> event(run, t0, subjects, i));
        System.out.printf("backlog: %d events about %d subjects written in %.1f s%n", events, subjects,
                (System.nanoTime() - began) / 1e9);
        return new Backlog(start, events, subjects);
    }

    /**
     * The i-th event of a backlog about {@code subjects} subjects: event i is about subject {@code i % subjects}, and
     * the kind of event a subject gets moves on with every pass over the subjects, so that each kind reaches every
     * subject once there are ten events per subject. The mix of {@link TopologyThroughput}: 40 % successful logins
     * (1 in 13 without MFA), 20 % failed ones, 10 % each backups (1 in 7 failed), heartbeats (here an endpoint
     * agent's, which a keyed absence control watches), uptime checks (1 in 17 down) and an event type no control
     * consumes. Every keyed control the mix feeds is keyed by the subject: users, their failed logins' addresses,
     * systems, hosts and checked targets, so its state has up to {@code subjects} keys.
     */
    static ProducerRecord<String, String> event(String run, Instant t0, int subjects, int i) {
        int k = i % subjects;
        String user = "user" + k + "@example.com";
        Instant time = t0.plus(SPACING.multipliedBy(i));
        String type;
        String data;
        switch ((i / subjects + k) % 10) {
            case 0, 1, 2, 3 -> { type = "auth.login"; data = "{\"user\":\"" + user + "\",\"outcome\":\"success\",\"mfa\":" + (i % 13 != 0) + ",\"ip\":\"203.0.113." + (i % 200) + "\"}"; }
            case 4, 5 -> { type = "auth.login"; data = "{\"user\":\"" + user + "\",\"outcome\":\"failure\",\"ip\":\"10." + (k >> 16 & 255) + "." + (k >> 8 & 255) + "." + (k & 255) + "\"}"; }
            case 6 -> { type = "backup.completed"; data = "{\"system\":\"db" + k + "\",\"status\":\"" + (i % 7 == 0 ? "failed" : "success") + "\"}"; }
            case 7 -> { type = "endpoint.agent.heartbeat"; data = "{\"host\":\"host" + k + "\",\"agent\":\"bench-agent\",\"status\":\"running\"}"; }
            case 8 -> { type = "uptime.check"; data = "{\"target\":\"https://svc" + k + ".example.com\",\"status\":\"" + (i % 17 == 0 ? "down" : "up") + "\",\"latencyMs\":" + (i % 900) + "}"; }
            default -> { type = "acme.unmonitored"; data = "{\"n\":" + i + "}"; }
        }
        String json = "{\"specversion\":\"1.0\",\"id\":\"" + run + "-" + i + "\",\"source\":\"urn:bench:scaling:" + (i % 8)
                + "\",\"type\":\"" + type + "\",\"subject\":\"" + user + "\",\"time\":\"" + time + "\",\"data\":" + data + "}";
        return new ProducerRecord<>(Topics.EVENTS, user, json);
    }

    /** One point: a service of a fresh application id drains {@code backlog} with {@code pack}. */
    static Point measure(String servers, Options options, Path pack, int controls, Backlog backlog, Path stateDir,
                         Path work) throws Exception {
        String appId = "scaling-c" + controls + "-s" + backlog.subjects() + "-" + System.currentTimeMillis();
        try (Admin admin = EvaluationBench.admin(servers)) {
            // a new group starts where this backlog starts, not at the older backlogs before it on the topic
            admin.alterConsumerGroupOffsets(appId, backlog.start().entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> new OffsetAndMetadata(e.getValue())))).all().get();
        }
        Map<String, String> env = EvaluationBench.environment(servers, appId);
        env.put("CW_EVALUATION_PACK", pack.toAbsolutePath().toString());
        Path log = work.resolve("evaluation-" + appId + ".log");
        Drain drain;
        try (EvaluationProcess evaluation = EvaluationProcess.start(options.port(), env,
                List.of("-Dkafka-streams.state.dir=" + stateDir), log)) {
            drain = EvaluationBench.drain(evaluation, servers, appId,
                    List.of(Topics.EVENTS, EvaluationBench.ruleInput(appId)),
                    Duration.ofMinutes(10).plus(Duration.ofMillis(backlog.events())), WARM_UP_SHARE);
        }
        // after a clean stop: RocksDB has flushed its memtables, so the directory holds the whole state
        double stateDirMb = size(stateDir.resolve(appId)) / 1e6;
        double changelogMb = changelogBytes(servers, appId) / 1e6;
        RuleStateKeys stateKeys = RuleStateKeys.read(servers, appId);
        Files.write(work.resolve("state-keys-" + appId + ".txt"), stateKeys.byControl().entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()).toList());
        Point point = new Point(controls, backlog.subjects(), backlog.events(), drain, stateDirMb, changelogMb, stateKeys);
        System.out.println(point.result());
        return point;
    }

    /** Bytes of the application's changelog topics in the broker's log directories (before any compaction). */
    static long changelogBytes(String servers, String appId) throws Exception {
        try (Admin admin = EvaluationBench.admin(servers)) {
            List<Integer> brokers = admin.describeCluster().nodes().get().stream().map(n -> n.id()).toList();
            return admin.describeLogDirs(brokers).allDescriptions().get().values().stream()
                    .flatMap(dirs -> dirs.values().stream())
                    .map(LogDirDescription::replicaInfos)
                    .flatMap(replicas -> replicas.entrySet().stream())
                    .filter(e -> e.getKey().topic().startsWith(appId + "-") && e.getKey().topic().endsWith("-changelog"))
                    .mapToLong(e -> e.getValue().size())
                    .sum();
        }
    }

    static long size(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }

    /** The two curves as markdown tables, with what was measured where. */
    static void writeTable(Options options, List<Point> byControls, List<Point> bySubjects) throws IOException {
        StringBuilder md = new StringBuilder("# Scaling: cost per event by controls and by subjects\n\n");
        md.append("- Date: ").append(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
                .format(Instant.now().atOffset(ZoneOffset.UTC))).append('\n');
        md.append("- Commit: ").append(System.getProperty("cw.commit", "unknown")).append('\n');
        String[] load = Files.readString(Path.of("/proc/loadavg")).split(" ");
        md.append("- Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, load average ")
                .append(load[0]).append(' ').append(load[1]).append(' ').append(load[2]).append(" at the end\n");
        md.append("- Run: bench/scaling.sh --events ").append(options.events())
                .append(" --controls ").append(join(options.controls()))
                .append(" --controls-subjects ").append(options.controlsSubjects())
                .append(" --subjects ").append(join(options.subjects())).append("\n\n");
        md.append("Each point: the evaluation service in a fresh application id draining its backlog on one private broker,"
                + " from ready until it has committed the end of the events topic and of its rule input (the stateful"
                + " controls' work); CPU is the service's over that span. Warm: the events after the first tenth over"
                + " the CPU after it (without the JIT warm-up every point pays); `relative`: warm events per CPU second"
                + " against the series' first point. State dir: the application's Kafka Streams state directory after a clean stop."
                + " Changelogs: their bytes on the broker, uncompacted. State keys: live (control, key) states in the"
                + " rule-state changelog; per control in `system-tests/target/scaling/state-keys-*.txt`.\n");
        if (!byControls.isEmpty()) {
            md.append("\n## By controls (").append(String.format(Locale.ROOT, "%,d", options.controlsSubjects()))
                    .append(" subjects)\n\n");
            table(md, byControls);
        }
        if (!bySubjects.isEmpty()) {
            md.append("\n## By subjects (the shipped pack)\n\n");
            table(md, bySubjects);
        }
        md.append("\n```\n");
        Stream.concat(byControls.stream(), bySubjects.stream()).distinct().forEach(p -> md.append(p.result()).append('\n'));
        md.append("```\n");
        Files.createDirectories(options.results().toAbsolutePath().getParent());
        Files.writeString(options.results(), md);
    }

    private static void table(StringBuilder md, List<Point> points) {
        md.append("| Controls | Subjects | Events | Seconds | Events/s | CPU s | µs CPU/event | Events per CPU s | warm"
                + " | relative | State dir MB | Changelogs MB | State keys | Keyed controls | Most keys of one control |\n");
        md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        double first = points.get(0).warmEventsPerCpuSecond();
        for (Point p : points) {
            md.append(String.format(Locale.ROOT, "| %d | %,d | %,d | %.1f | %,.0f | %.1f | %.1f | %,.0f | %,.0f | %.2f | %.1f | %.1f | %,d | %d | %,d |%n",
                    p.controls(), p.subjects(), p.events(), p.drain().seconds(), p.events() / p.drain().seconds(),
                    p.drain().cpuSeconds(), p.drain().cpuSeconds() * 1e6 / p.events(), p.eventsPerCpuSecond(),
                    p.warmEventsPerCpuSecond(), p.warmEventsPerCpuSecond() / first, p.stateDirMb(), p.changelogMb(), p.stateKeys().total(),
                    p.stateKeys().byControl().size(), p.stateKeys().maxPerControl()));
        }
    }

    private static String join(List<Integer> values) {
        return values.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
}
