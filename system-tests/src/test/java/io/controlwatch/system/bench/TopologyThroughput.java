package io.controlwatch.system.bench;

import io.controlwatch.model.Topics;
import io.controlwatch.testsupport.TestKafka;
import io.controlwatch.testsupport.TestPostgres;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * How fast the evaluation service's real topology (41 controls: routing, CEL, repartition, changelogged state,
 * exactly-once) drains a backlog on a real broker. Not a test: {@code bench/topology-throughput.sh [events]}.
 * <p>
 * Writes the events first, then starts the service and times it from ready until its consumer group has committed
 * the end of the events topic, with its CPU time over the same span; twice, side by side: with every arrival of the
 * liveness control routed ({@code CW_EVALUATION_ARRIVAL_COALESCING=0}), then coalesced (the default).
 */
public final class TopologyThroughput {

    private TopologyThroughput() {
    }

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        try (TestKafka.Isolated kafka = TestKafka.isolatedBroker()) {
            produce(kafka.bootstrapServers(), events);
            // the same backlog twice, side by side: every liveness arrival routed, then coalesced (the default)
            for (String coalescing : new String[] {"0", "1s"}) {
                drain(kafka.bootstrapServers(), events, coalescing);
            }
        }
        System.exit(0);
    }

    /** One service instance of its own application id drains the whole backlog; prints its figures. */
    static void drain(String servers, int events, String coalescing) throws Exception {
        String appId = "throughput-" + System.currentTimeMillis();
        Map<String, String> env = new HashMap<>(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", servers,
                "QUARKUS_KAFKA_STREAMS_APPLICATION_ID", appId,
                // the backlog is an hour old and drained twice: no source may count as idle, or the second drain, started
                // later, would find windows decided before their events and record them late
                "CW_EVALUATION_SOURCE_IDLE_AFTER", "24h",
                "CW_EVALUATION_ARRIVAL_COALESCING", coalescing,
                "CW_DB_URL", TestPostgres.database().reactiveUrl()));
        long executionsBefore = endOffsets(servers, Topics.EXECUTIONS);
        Process evaluation = start(env);
        try {
            awaitReady();
            Duration cpuAtReady = cpu(evaluation);
            long start = System.nanoTime();
            long end = awaitDrained(servers, appId, Duration.ofMinutes(10));
            double cpuSeconds = cpu(evaluation).minus(cpuAtReady).toMillis() / 1000.0;
            double seconds = (end - start) / 1e9;
            long executions = endOffsets(servers, Topics.EXECUTIONS) - executionsBefore;
            long routed = endOffsets(servers, appId + "-rule-input-repartition");
            System.out.printf("RESULT topology coalescing=%s events=%d controls=41 seconds=%.1f events_per_s=%.0f"
                            + " cpu_s=%.1f cpu_us_per_event=%.1f routed_per_event=%.2f executions_written~=%d%n",
                    coalescing, events, seconds, events / seconds, cpuSeconds, cpuSeconds * 1e6 / events,
                    (double) routed / events, executions);
            // executions per control and result, from the service's own counters: the two drains decide the same
            var metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + PORT + "/q/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            java.nio.file.Files.write(java.nio.file.Path.of("target/throughput-executions-" + coalescing + ".txt"),
                    metrics.lines().filter(l -> l.startsWith("cw_executions_total{")).sorted().toList());
        } finally {
            evaluation.destroy();
            evaluation.waitFor();
        }
    }

    /** CPU time the process has used so far (user and system, all threads). */
    static Duration cpu(Process process) {
        return process.toHandle().info().totalCpuDuration().orElseThrow();
    }

    static final int PORT = 18082;

    static Process start(Map<String, String> env) throws Exception {
        String root = System.getProperty("cw.repo.root", "..");
        ProcessBuilder builder = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx1g", "-jar", root + "/evaluation-service/target/quarkus-app/quarkus-run.jar")
                .redirectErrorStream(true).redirectOutput(new java.io.File("target/throughput-evaluation.log"));
        builder.environment().putAll(env);
        builder.environment().put("QUARKUS_HTTP_PORT", String.valueOf(PORT));
        return builder.start();
    }

    static void awaitReady() throws Exception {
        var client = java.net.http.HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                var response = client.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + PORT + "/q/health/ready")).build(),
                        java.net.http.HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException e) {
                // not listening yet
            }
            Thread.onSpinWait();
        }
        throw new IllegalStateException("evaluation service not ready; see target/throughput-evaluation.log");
    }

    static void produce(String servers, int events) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 262_144),
                new StringSerializer(), new StringSerializer())) {
            Instant t0 = Instant.now().minus(Duration.ofHours(1));
            for (int i = 0; i < events; i++) {
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
                producer.send(new ProducerRecord<>(Topics.EVENTS, user, json));
            }
            producer.flush();
        }
    }

    static long awaitDrained(String servers, String group, Duration timeout) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
            Map<TopicPartition, Long> end = ends(admin, Topics.EVENTS);
            org.awaitility.Awaitility.await("group " + group + " drained").atMost(timeout)
                    .pollInterval(Duration.ofMillis(100)).until(() -> {
                        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                                .partitionsToOffsetAndMetadata().get();
                        return end.entrySet().stream().allMatch(e -> committed.get(e.getKey()) != null
                                && committed.get(e.getKey()).offset() >= e.getValue());
                    });
            return System.nanoTime();
        }
    }

    static long endOffsets(String servers, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
            return ends(admin, topic).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    static Map<TopicPartition, Long> ends(Admin admin, String topic) throws Exception {
        var partitions = admin.describeTopics(java.util.List.of(topic)).allTopicNames().get().get(topic).partitions()
                .stream().map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()));
        return admin.listOffsets(partitions).all().get().entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }
}
