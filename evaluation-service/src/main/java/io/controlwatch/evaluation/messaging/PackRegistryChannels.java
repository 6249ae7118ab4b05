package io.controlwatch.evaluation.messaging;

import io.controlwatch.evaluation.service.PackRegistry;
import io.quarkus.runtime.StartupEvent;
import io.controlwatch.common.messaging.CompactedTopics;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.util.Collection;

/**
 * Follows the pack registry topic after start-up: every instance reads every record (a consumer group of its own),
 * beginning exactly where the registry's start-up read stopped, so a version is never applied twice or out of order.
 */
@ApplicationScoped
public class PackRegistryChannels {

    /** Registry records arriving after start-up. */
    public static final String PACKS_IN = "packs-in";
    /** Transactional writes of the registry: versions, the active pointer, audit events. */
    public static final String PACKS_OUT = "packs-out";
    /** Name of the rebalance listener bean the follower channel uses. */
    public static final String FOLLOWER = "pack-registry-follower";

    private final PackRegistry registry;

    public PackRegistryChannels(PackRegistry registry) {
        this.registry = registry;
    }

    void onStart(@Observes StartupEvent startup) {
        registry.recordStartedVersion();
    }

    @Incoming(PACKS_IN)
    @Blocking
    public void follow(ConsumerRecord<String, String> record) {
        registry.follow(record);
    }

    /** Positions the follower where the start-up read ended (from the beginning if that read failed). */
    @ApplicationScoped
    @Identifier(FOLLOWER)
    public static class Follower implements KafkaConsumerRebalanceListener {

        private final PackRegistry registry;

        public Follower(PackRegistry registry) {
            this.registry = registry;
        }

        @Override
        public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
            CompactedTopics.positionFollower(consumer, partitions, registry.followFrom());
        }
    }
}
