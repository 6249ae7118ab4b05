package io.controlwatch.testsupport;

import io.controlwatch.model.Topics;
import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.testcontainers.kafka.KafkaContainer;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.logging.Logger;

/**
 * A real Kafka broker for integration tests, one per test JVM, chosen in this order:
 * <ol>
 *   <li>an external broker named by {@code CW_TEST_KAFKA_BOOTSTRAP_SERVERS};</li>
 *   <li>a Testcontainers broker when a Docker engine answers;</li>
 *   <li>otherwise a real single-node KRaft broker inside this JVM (SmallRye's {@link EmbeddedKafkaBroker}).</li>
 * </ol>
 * Every ControlWatch topic is created with {@value #PARTITIONS} partitions so tests see the real layout.
 */
public final class TestKafka {

    public static final String ENV_BOOTSTRAP = "CW_TEST_KAFKA_BOOTSTRAP_SERVERS";
    public static final int PARTITIONS = 3;

    private static final Logger LOG = Logger.getLogger(TestKafka.class.getName());
    private static String bootstrapServers;

    private TestKafka() {
    }

    /** Starts (once) or finds the broker and returns its bootstrap servers, with all topics created. */
    public static synchronized String bootstrapServers() {
        if (bootstrapServers == null) {
            bootstrapServers = start();
            createTopics(bootstrapServers);
        }
        return bootstrapServers;
    }

    /**
     * A broker of its own, for a test that must compare runs on empty topics (always in-JVM KRaft, whatever the
     * shared broker is). Close it when done.
     */
    public static Isolated isolatedBroker() {
        EmbeddedKafkaBroker broker = embedded();
        String servers = broker.getAdvertisedListeners();
        createTopics(servers);
        return new Isolated(broker, servers);
    }

    /** A private broker and its bootstrap servers. */
    public record Isolated(EmbeddedKafkaBroker broker, String bootstrapServers) implements AutoCloseable {
        @Override
        public void close() {
            broker.close();
        }
    }

    private static String start() {
        String external = System.getenv(ENV_BOOTSTRAP);
        if (external != null && !external.isBlank()) {
            LOG.info("Using the external Kafka broker " + external);
            return external;
        }
        if (DockerEngine.available()) {
            KafkaContainer container = new KafkaContainer("apache/kafka:4.1.2");
            container.start();
            Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "stop-kafka-container"));
            LOG.info("Started a Kafka container at " + container.getBootstrapServers());
            return container.getBootstrapServers();
        }
        EmbeddedKafkaBroker broker = embedded();
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "stop-embedded-kafka"));
        String servers = broker.getAdvertisedListeners();
        LOG.info("Started an in-JVM KRaft Kafka broker at " + servers);
        return servers;
    }

    private static EmbeddedKafkaBroker embedded() {
        return new EmbeddedKafkaBroker()
                .withDeleteLogDirsOnClose(true)
                .withAdditionalProperties(props -> {
                    // single node: internal topics cannot have more than one replica
                    props.put("offsets.topic.replication.factor", "1");
                    props.put("transaction.state.log.replication.factor", "1");
                    props.put("transaction.state.log.min.isr", "1");
                    props.put("group.initial.rebalance.delay.ms", "0");
                    props.put("num.partitions", String.valueOf(PARTITIONS));
                })
                .start();
    }


    private static void createTopics(String servers) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = Topics.ALL.stream()
                    .filter(t -> !existing.contains(t.name()))
                    .map(t -> new NewTopic(t.name(), PARTITIONS, (short) 1)
                            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, t.cleanupPolicy())))
                    .toList();
            admin.createTopics(missing).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create the ControlWatch topics on " + servers, e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
