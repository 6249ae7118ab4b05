package io.controlwatch.system.bench;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/**
 * What the evaluation service's drain benchmarks share ({@link TopologyThroughput}, {@link ScalingBenchmark}): a
 * backlog written to the events topic of a private broker, the packaged service started as a child process, and its
 * drain timed from ready until its consumer group committed the end of the events topic, with its CPU time over the
 * same span.
 */
final class EvaluationBench {

    private EvaluationBench() {
    }

    /**
     * Figures of one drain, from ready: seconds until the group had committed the end of each topic awaited (in
     * order), the service's CPU seconds until the last, and where it was once warmed up (null unless asked for).
     */
    record Drain(List<Double> secondsByTopic, double cpuSeconds, WarmedUp warmedUp) {

        /** Seconds until the last topic was drained. */
        double seconds() {
            return secondsByTopic.get(secondsByTopic.size() - 1);
        }
    }

    /** The moment, from ready, the group had committed its first {@code events} events, and the CPU used until then. */
    record WarmedUp(long events, double seconds, double cpuSeconds) {
    }

    /** Writes {@code events} records made by {@code event} (given the event's index) to the events topic. */
    static void produce(String servers, int events, IntFunction<ProducerRecord<String, String>> event) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 262_144),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < events; i++) {
                producer.send(event.apply(i));
            }
            producer.flush();
        }
    }

    /** The service's environment for one application id (its own state) on the given broker. */
    static Map<String, String> environment(String servers, String applicationId) {
        return new HashMap<>(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", servers,
                "QUARKUS_KAFKA_STREAMS_APPLICATION_ID", applicationId,
                // the backlog is old and may be drained more than once: no source may count as idle, or a drain started
                // later would find windows decided before their events and record them late
                "CW_EVALUATION_SOURCE_IDLE_AFTER", "24h"));
    }

    /** The application's repartition topic that feeds its stateful controls (EvaluationTopology.RULE_INPUT). */
    static String ruleInput(String applicationId) {
        return applicationId + "-rule-input-repartition";
    }

    /**
     * Waits until the service is ready, then until {@code group} has committed the end of each of {@code topics} in
     * turn, each end as it is when the topic before it is drained (the events topic's: when the service is ready).
     * The events topic alone leaves the stateful controls' work behind: it is done once the service has also consumed
     * everything it routed to them ({@link #ruleInput}).
     */
    static Drain drain(EvaluationProcess evaluation, String servers, String group, List<String> topics, Duration timeout)
            throws Exception {
        return drain(evaluation, servers, group, topics, timeout, 0);
    }

    /**
     * As {@link #drain(EvaluationProcess, String, String, List, Duration)}, and also notes when the group has committed
     * {@code warmUpShare} of the events topic's backlog (the first topic awaited must be the events topic): the
     * figures after it leave out the service's JIT warm-up, which costs about the same at every size.
     */
    static Drain drain(EvaluationProcess evaluation, String servers, String group, List<String> topics, Duration timeout,
                       double warmUpShare) throws Exception {
        evaluation.awaitReady();
        Duration cpuAtReady = evaluation.cpu();
        long start = System.nanoTime();
        List<Double> seconds = new ArrayList<>();
        WarmedUp warmedUp = null;
        try (Admin admin = admin(servers)) {
            Map<TopicPartition, Long> end = ends(admin, topics.get(0));
            if (warmUpShare > 0) {
                Map<TopicPartition, Long> from = committed(admin, group, end.keySet());
                Map<TopicPartition, Long> mark = end.keySet().stream().collect(Collectors.toMap(p -> p,
                        p -> from.get(p) + (long) Math.ceil(warmUpShare * (end.get(p) - from.get(p)))));
                awaitCommitted(admin, group, mark, timeout);
                warmedUp = new WarmedUp(mark.keySet().stream().mapToLong(p -> mark.get(p) - from.get(p)).sum(),
                        (System.nanoTime() - start) / 1e9, evaluation.cpu().minus(cpuAtReady).toMillis() / 1000.0);
            }
            for (String topic : topics) {
                awaitCommitted(admin, group, seconds.isEmpty() ? end : ends(admin, topic), timeout);
                seconds.add((System.nanoTime() - start) / 1e9);
            }
        }
        return new Drain(seconds, evaluation.cpu().minus(cpuAtReady).toMillis() / 1000.0, warmedUp);
    }

    private static void awaitCommitted(Admin admin, String group, Map<TopicPartition, Long> offsets, Duration timeout) {
        org.awaitility.Awaitility.await("group " + group + " committed " + offsets).atMost(timeout)
                .pollInterval(Duration.ofMillis(100)).until(() -> {
                    Map<TopicPartition, Long> committed = committed(admin, group, offsets.keySet());
                    return offsets.entrySet().stream().allMatch(e -> committed.get(e.getKey()) >= e.getValue());
                });
    }

    /** The group's committed offsets of {@code partitions}; nothing committed is 0 (a partition that never got a record). */
    private static Map<TopicPartition, Long> committed(Admin admin, String group, java.util.Set<TopicPartition> partitions)
            throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get();
        return partitions.stream().collect(Collectors.toMap(p -> p,
                p -> committed.get(p) == null ? 0L : committed.get(p).offset()));
    }

    static long endOffsets(String servers, String topic) throws Exception {
        try (Admin admin = admin(servers)) {
            return ends(admin, topic).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    static Map<TopicPartition, Long> ends(Admin admin, String topic) throws Exception {
        var partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                .stream().map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()));
        return admin.listOffsets(partitions).all().get().entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    static Admin admin(String servers) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers));
    }

    /** The packaged evaluation service as a child process, stopped (SIGTERM, waited for) on close. */
    static final class EvaluationProcess implements AutoCloseable {

        private final Process process;
        private final int port;
        private final Path log;

        private EvaluationProcess(Process process, int port, Path log) {
            this.process = process;
            this.port = port;
            this.log = log;
        }

        /**
         * Starts {@code evaluation-service/target/quarkus-app/quarkus-run.jar} (of the repository at the system property
         * {@code cw.repo.root}) with 1 GiB of heap, the given JVM options and environment, on {@code port}.
         */
        static EvaluationProcess start(int port, Map<String, String> env, List<String> jvmOptions, Path log) throws IOException {
            String root = System.getProperty("cw.repo.root", "..");
            List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx1g"));
            command.addAll(jvmOptions);
            command.addAll(List.of("-jar", root + "/evaluation-service/target/quarkus-app/quarkus-run.jar"));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(env);
            builder.environment().put("QUARKUS_HTTP_PORT", String.valueOf(port));
            return new EvaluationProcess(builder.start(), port, log);
        }

        void awaitReady() {
            HttpClient client = HttpClient.newHttpClient();
            // polls every 20 ms rather than spinning: the service starts on the same two cores
            Awaitility.await("evaluation service ready; see " + log).atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(20)).until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException("evaluation service exited with status "
                                    + process.exitValue() + "; see " + log + ":\n" + tail(20));
                        }
                        try {
                            return client.send(HttpRequest.newBuilder(uri("/q/health/ready")).build(),
                                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                        } catch (IOException notListeningYet) {
                            return false;
                        }
                    });
        }

        /** CPU time the process has used so far (user and system, all threads). */
        Duration cpu() {
            return process.toHandle().info().totalCpuDuration().orElseThrow();
        }

        /** The service's Prometheus metrics, as text. */
        String metrics() throws Exception {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri("/q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }

        private URI uri(String path) {
            return URI.create("http://127.0.0.1:" + port + path);
        }

        private String tail(int lines) throws IOException {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            process.waitFor();
        }
    }
}
