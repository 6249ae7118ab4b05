package io.controlwatch.system;

import com.fasterxml.jackson.databind.JsonNode;
import io.controlwatch.model.ModelJson;
import io.controlwatch.model.Topics;
import io.controlwatch.testsupport.TestKafka;
import io.controlwatch.testsupport.TestPostgres;
import io.controlwatch.testsupport.TopicReader;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Kill -9 of the evaluation service while windows are half full and absence intervals are open, then restart:
 * the executions must be exactly those of an uninterrupted run of the same events — none lost, none duplicated,
 * none spurious. Each run gets a broker of its own, so their outputs can be compared record for record.
 */
class EvaluationCrashRecoveryIT {

    static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
    static final String PACK = """
            pack: crash-recovery
            formatVersion: 1
            controls:
              - id: t-failed-logins
                title: Failed login burst
                criteria: [CC7.2]
                severity: medium
                threshold: {on: [auth.login], when: 'data.outcome == "failure"', key: data.user, window: 10m, atLeast: 5, grace: 1h}
              - id: a-host-heartbeat
                title: Hosts send heartbeats
                criteria: [CC6.8]
                severity: high
                absence: {expect: [source.heartbeat], key: data.host, within: 30m, grace: 1h}
              - id: e-login-mfa
                title: Logins use MFA
                criteria: [CC6.1]
                severity: high
                event: {on: [auth.login], when: 'data.outcome == "success"', violation: 'data.mfa != true', subject: data.user}
            """;

    @Test
    void aCrashedAndRestartedInstanceProducesExactlyTheExecutionsOfAnUninterruptedRun() throws Exception {
        Path pack = Files.createTempFile("crash-recovery-pack", ".yaml");
        Files.writeString(pack, PACK);

        int[] afterPhaseTwo = new int[1];
        Map<String, String> uninterrupted = run(pack, false, afterPhaseTwo);
        Map<String, String> crashed = run(pack, true, new int[]{afterPhaseTwo[0], uninterrupted.size()});

        assertThat(uninterrupted).isNotEmpty();
        assertThat(uninterrupted.values()).anyMatch(e -> e.startsWith("t-failed-logins FAIL"))
                .anyMatch(e -> e.startsWith("t-failed-logins PASS"))
                .anyMatch(e -> e.startsWith("a-host-heartbeat FAIL"))
                .anyMatch(e -> e.startsWith("a-host-heartbeat PASS"))
                .anyMatch(e -> e.startsWith("e-login-mfa FAIL"));
        Map<String, String> missing = new java.util.TreeMap<>(uninterrupted);
        crashed.keySet().forEach(missing::remove);
        Map<String, String> extra = new java.util.TreeMap<>(crashed);
        uninterrupted.keySet().forEach(extra::remove);
        assertThat(missing).as("executions lost by the crash").isEmpty();
        assertThat(extra).as("executions only the crashed run produced").isEmpty();
        assertThat(crashed).as("same content per execution").isEqualTo(uninterrupted);
    }

    /**
     * Feeds the same events in three phases; with {@code crash}, kills the instance right after the second phase
     * was written (while it is being processed) and starts it again.
     *
     * @return execution id → what an auditor compares (control, result, subject, time, evidence, late)
     */
    private Map<String, String> run(Path pack, boolean crash, int[] expected) throws Exception {
        IDS.set(0);
        try (TestKafka.Isolated kafka = TestKafka.isolatedBroker();
             KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                     ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            Map<String, String> env = new HashMap<>(ControlWatchStack.environment(kafka.bootstrapServers(), TestPostgres.database()));
            env.put("QUARKUS_KAFKA_STREAMS_APPLICATION_ID", "crash-recovery-" + (crash ? "b-" : "a-") + UUID.randomUUID());
            env.put("CW_EVALUATION_PACK", pack.toString());
            // the events are history (a backfill): deadlines follow the sources' own clocks, never the wall clock, so
            // both runs are fully determined by their input (a backfilling source idle for 1 h would hand over)
            env.put("CW_EVALUATION_SOURCE_IDLE_AFTER", "1h");
            ServiceProcess evaluation = ServiceProcess.start("evaluation-service", env);
            try {
                evaluation.awaitReady(Duration.ofSeconds(90));
                send(producer, phaseOne());
                // windows are now half full and every host's absence interval is open
                awaitStable(kafka.bootstrapServers(), 1);
                send(producer, phaseTwo());
                if (crash) {
                    // mid-work: part of phase two is processed and committed, part is in flight
                    evaluation.kill();
                    evaluation = ServiceProcess.start("evaluation-service", env);
                    evaluation.awaitReady(Duration.ofSeconds(90));
                    // the killed instance's open transaction holds back read_committed readers of its internal
                    // topics until the broker aborts it: wait for the uninterrupted run's count, not for calm
                    awaitStable(kafka.bootstrapServers(), expected[0]);
                } else {
                    expected[0] = awaitStable(kafka.bootstrapServers(), 1).size();
                }
                // Phase three moves event time two hours on. It is sent once phase two is evaluated: how far the
                // clock of a partition of rule state has moved when a record is processed depends on how records
                // of different input partitions interleave, which no crash test can hold constant.
                send(producer, phaseThree());
                return awaitStable(kafka.bootstrapServers(), crash ? expected[1] : 40);
            } finally {
                evaluation.stop();
            }
        }
    }

    static List<ProducerRecord<String, String>> phaseOne() {
        List<ProducerRecord<String, String>> events = new ArrayList<>();
        for (int u = 0; u < 10; u++) {
            for (int i = 0; i < 3; i++) {
                events.add(login("u" + u, false, T.plusSeconds(u * 10L + i)));
            }
        }
        for (int h = 0; h < 6; h++) {
            events.add(heartbeat("h" + h, T.plusSeconds(h)));
        }
        return events;
    }

    static List<ProducerRecord<String, String>> phaseTwo() {
        List<ProducerRecord<String, String>> events = new ArrayList<>();
        for (int u = 0; u < 5; u++) { // u0..u4 reach 5 failures: FAIL; u5..u9 stay at 3
            events.add(login("u" + u, false, T.plus(Duration.ofMinutes(5)).plusSeconds(u)));
            events.add(login("u" + u, false, T.plus(Duration.ofMinutes(6)).plusSeconds(u)));
        }
        for (int h = 0; h < 3; h++) { // h0..h2 are heard from again; h3..h5 stay silent
            events.add(heartbeat("h" + h, T.plus(Duration.ofMinutes(20)).plusSeconds(h)));
        }
        for (int i = 0; i < 300; i++) { // volume, so the crash hits the instance mid-work
            events.add(successLogin("bulk" + (i % 25), i % 7 != 0, T.plus(Duration.ofMinutes(7)).plusMillis(i)));
        }
        return events;
    }

    static List<ProducerRecord<String, String>> phaseThree() {
        List<ProducerRecord<String, String>> events = new ArrayList<>();
        // events two hours later, on many keys, move both sources' clocks on every partition of rule state
        for (int k = 0; k < 40; k++) {
            events.add(heartbeat("late-host-" + k, T.plus(Duration.ofHours(2)).plusSeconds(k)));
            events.add(login("later-user-" + k, false, T.plus(Duration.ofHours(2)).plusSeconds(k)));
        }
        return events;
    }

    static final AtomicInteger IDS = new AtomicInteger();

    static ProducerRecord<String, String> login(String user, boolean success, Instant time) {
        return event(user, "auth.login", time, "{\"user\":\"" + user + "\",\"outcome\":\"" + (success ? "success" : "failure") + "\",\"mfa\":true}");
    }

    static ProducerRecord<String, String> successLogin(String user, boolean mfa, Instant time) {
        return event(user, "auth.login", time, "{\"user\":\"" + user + "\",\"outcome\":\"success\",\"mfa\":" + mfa + "}");
    }

    static ProducerRecord<String, String> heartbeat(String host, Instant time) {
        return event(host, "source.heartbeat", time, "{\"host\":\"" + host + "\"}");
    }

    /**
     * Ids are a counter: both runs produce the same events, hence the same deterministic execution ids. Logins come
     * from an identity provider, heartbeats from the hosts' agent: two sources, each with its own clock, both
     * backfilling (marked as ingest marks a source's backfill).
     */
    static ProducerRecord<String, String> event(String key, String type, Instant time, String data) {
        String id = "ev-" + IDS.getAndIncrement();
        String source = type.equals("auth.login") ? "urn:crash-test:idp" : "urn:crash-test:host-agent";
        return new ProducerRecord<>(Topics.EVENTS, key, """
                {"specversion":"1.0","id":"%s","source":"%s","type":"%s","subject":"%s","time":"%s","cwbackfill":true,"data":%s}"""
                .formatted(id, source, type, key, time, data));
    }

    static void send(KafkaProducer<String, String> producer, List<ProducerRecord<String, String>> events) throws Exception {
        for (ProducerRecord<String, String> event : events) {
            producer.send(event);
        }
        producer.flush();
    }

    /** Waits until the committed executions stop changing (and are at least {@code minimum}), and returns them. */
    static Map<String, String> awaitStable(String servers, int minimum) {
        AtomicLong lastCount = new AtomicLong(-1);
        AtomicLong stableSince = new AtomicLong(System.nanoTime());
        Map<String, String> result = new HashMap<>();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
            var records = TopicReader.readAll(servers, Topics.EXECUTIONS);
            if (records.size() != lastCount.get()) {
                lastCount.set(records.size());
                stableSince.set(System.nanoTime());
                return false;
            }
            if (records.size() < minimum || System.nanoTime() - stableSince.get() < Duration.ofSeconds(4).toNanos()) {
                return false;
            }
            result.clear();
            List<String> duplicates = new ArrayList<>();
            for (var record : records) {
                JsonNode e = ModelJson.mapper().readTree(record.value());
                String summary = e.get("controlId").asText() + " " + e.get("result").asText() + " " + e.get("subject").asText()
                        + " " + e.get("eventTime").asText() + " " + e.get("evidenceEventIds") + " late=" + e.get("late");
                String previous = result.put(e.get("executionId").asText(), summary);
                if (previous != null) {
                    duplicates.add(e.get("executionId").asText() + ": " + previous + " | then " + summary
                            + " (partition " + record.partition() + "@" + record.offset() + ")");
                }
            }
            assertThat(duplicates).as("duplicated executions").isEmpty();
            return true;
        });
        return result;
    }
}
