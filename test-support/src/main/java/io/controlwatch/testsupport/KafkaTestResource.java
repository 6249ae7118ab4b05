package io.controlwatch.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/** Points a Quarkus test at the real test broker of {@link TestKafka}. */
public class KafkaTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        String servers = TestKafka.bootstrapServers();
        return Map.of("kafka.bootstrap.servers", servers,
                "quarkus.kafka-streams.bootstrap-servers", servers);
    }

    @Override
    public void stop() {
        // the broker lives for the whole test JVM; TestKafka stops it at exit
    }
}
