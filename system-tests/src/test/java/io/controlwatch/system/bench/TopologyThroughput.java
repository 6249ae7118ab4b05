package io.controlwatch.system.bench;

import io.controlwatch.model.Topics;
import io.controlwatch.system.bench.EvaluationBench.Drain;
import io.controlwatch.system.bench.EvaluationBench.EvaluationProcess;
import io.controlwatch.testsupport.TestKafka;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * How fast the evaluation service's real topology (41 controls: routing, CEL, repartition, changelogged state,
 * exactly-once) drains a backlog on a real broker. Not a test: {@code bench/topology-throughput.sh [events]}.
 * <p>
 * Writes the events first, then starts the service and times it from ready until its consumer group has committed
 * the end of the events topic, with its CPU time over the same span; twice, side by side: with every arrival of the
 * liveness control routed ({@code CW_EVALUATION_ARRIVAL_COALESCING=0}), then coalesced (the default). With
 * {@code --jvm "<options>"} (repeatable) it compares JVM option sets instead (e.g. collectors), each drained twice,
 * interleaved, until the stateful work is done too.
 */
public final class TopologyThroughput {

    /** The service's HTTP port; {@code -Dcw.bench.port} moves it (another harness or session on 18082). */
    static final int PORT = Integer.getInteger("cw.bench.port", 18082);

    private TopologyThroughput() {
    }

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 && !args[0].startsWith("--") ? Integer.parseInt(args[0]) : 100_000;
        // --jvm "<options>" (repeatable): compare JVM option sets instead of coalescing, each drained twice, interleaved
        List<String> jvmVariants = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--jvm") && i + 1 < args.length) {
                jvmVariants.add(args[++i]);
            }
        }
        try (TestKafka.Isolated kafka = TestKafka.isolatedBroker()) {
            Instant t0 = Instant.now().minus(Duration.ofHours(1));
            EvaluationBench.produce(kafka.bootstrapServers(), events, i -> event(t0, i));
            if (jvmVariants.isEmpty()) {
                // the same backlog twice, side by side: every liveness arrival routed, then coalesced (the default)
                for (String coalescing : new String[] {"0", "1s"}) {
                    drain(kafka.bootstrapServers(), events, coalescing, List.of(), List.of(Topics.EVENTS));
                }
            } else {
                for (int round = 0; round < 2; round++) {
                    for (String variant : jvmVariants) {
                        // to the end of the stateful work: a collector's cost shows wherever the work is done
                        drain(kafka.bootstrapServers(), events, "1s", List.of(variant.trim().split("\\s+")),
                                List.of(Topics.EVENTS, "rule-input"));
                    }
                }
            }
        }
        System.exit(0);
    }

    /**
     * One service instance of its own application id drains the whole backlog; prints its figures.
     *
     * @param until topics the service's group must have committed to their end ({@code rule-input}: its repartition
     *              topic of stateful work)
     */
    static void drain(String servers, int events, String coalescing, List<String> jvmOptions, List<String> until)
            throws Exception {
        String appId = "throughput-" + System.currentTimeMillis();
        Map<String, String> env = EvaluationBench.environment(servers, appId);
        env.put("CW_EVALUATION_ARRIVAL_COALESCING", coalescing);
        long executionsBefore = EvaluationBench.endOffsets(servers, Topics.EXECUTIONS);
        String repartition = appId + "-rule-input-repartition";
        List<String> topics = until.stream().map(t -> t.equals("rule-input") ? repartition : t).toList();
        try (EvaluationProcess evaluation = EvaluationProcess.start(PORT, env, jvmOptions,
                Path.of("target/throughput-evaluation.log"))) {
            // by default as measured since this harness was written: until the events topic is drained
            Drain drain = EvaluationBench.drain(evaluation, servers, appId, topics, Duration.ofMinutes(10));
            long executions = EvaluationBench.endOffsets(servers, Topics.EXECUTIONS) - executionsBefore;
            long routed = EvaluationBench.endOffsets(servers, repartition);
            System.out.printf("RESULT topology coalescing=%s jvm=%s until=%s events=%d seconds=%.1f events_per_s=%.0f"
                            + " cpu_s=%.1f cpu_us_per_event=%.1f routed_per_event=%.2f executions_written~=%d%n",
                    coalescing, jvmOptions.isEmpty() ? "default" : String.join(",", jvmOptions), String.join("+", until),
                    events, drain.seconds(), events / drain.seconds(), drain.cpuSeconds(),
                    drain.cpuSeconds() * 1e6 / events, (double) routed / events, executions);
            // executions per control and result, from the service's own counters: the two drains decide the same
            Files.write(Path.of("target/throughput-executions-" + coalescing + ".txt"),
                    evaluation.metrics().lines().filter(l -> l.startsWith("cw_executions_total{")).sorted().toList());
        }
    }

    /** The i-th event of the backlog: logins (some failed, some without MFA), backups, heartbeats, uptime checks. */
    static ProducerRecord<String, String> event(Instant t0, int i) {
        String user = "user" + (i % 500) + "@example.com";
        Instant time = t0.plusMillis(i * 10L);
        String type;
        String data;
        switch (i % 10) {
            case 0, 1, 2, 3 -> { type = "auth.login"; data = "{\"user\":\"" + user + "\",\"outcome\":\"success\",\"mfa\":" + (i % 13 != 0) + ",\"ip\":\"203.0.113." + (i % 200) + "\"}"; }
            case 4, 5 -> { type = "auth.login"; data = "{\"user\":\"" + user + "\",\"outcome\":\"failure\",\"ip\":\"198.51.100." + (i % 50) + "\"}"; }
            case 6 -> { type = "backup.completed"; data = "{\"system\":\"db" + (i % 40) + "\",\"status\":\"success\"}"; }
            case 7 -> { type = "source.heartbeat"; data = "{\"host\":\"host" + (i % 60) + "\"}"; }
            case 8 -> { type = "uptime.check"; data = "{\"target\":\"https://svc" + (i % 30) + ".example.com\",\"status\":\"" + (i % 17 == 0 ? "down" : "up") + "\",\"latencyMs\":" + (i % 900) + "}"; }
            default -> { type = "acme.unmonitored"; data = "{\"n\":" + i + "}"; }
        }
        String json = "{\"specversion\":\"1.0\",\"id\":\"t-" + i + "\",\"source\":\"urn:bench:" + (i % 8) + "\",\"type\":\""
                + type + "\",\"subject\":\"" + user + "\",\"time\":\"" + time + "\",\"data\":" + data + "}";
        return new ProducerRecord<>(Topics.EVENTS, user, json);
    }
}
