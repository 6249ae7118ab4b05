package io.controlwatch.ingest.messaging;

import io.controlwatch.ingest.config.SourcesConfig;
import io.controlwatch.ingest.service.SourceRegistry;
import io.controlwatch.common.messaging.CompactedTopics;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import io.smallrye.reactive.messaging.kafka.transactions.KafkaTransactions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.Collection;
import java.util.Map;

/**
 * The source registry's Kafka side: read whole at start-up, then followed by every instance (a consumer group of its
 * own) from exactly where that read stopped, so a change made through another instance applies here within a second.
 */
@ApplicationScoped
public class SourceRegistryChannels {

    private final SourceRegistry registry;

    public SourceRegistryChannels(SourceRegistry registry) {
        this.registry = registry;
    }

    @Incoming(Channels.SOURCES_IN)
    @Blocking
    public void follow(ConsumerRecord<String, String> record) {
        registry.follow(record);
    }

    @Produces
    @Singleton
    static SourceRegistry sourceRegistry(@Identifier("default-kafka-broker") Map<String, Object> kafka, SourcesConfig config,
                                         Clock clock, @Channel(Channels.SOURCES_OUT) KafkaTransactions<String> transactions) {
        return SourceRegistry.startingFrom(kafka, config, clock, new SecureRandom(), transactions);
    }

    /** Positions the follower where the start-up read ended (from the beginning if that read failed). */
    @ApplicationScoped
    @Identifier(Channels.SOURCES_FOLLOWER)
    public static class Follower implements KafkaConsumerRebalanceListener {

        private final SourceRegistry registry;

        public Follower(SourceRegistry registry) {
            this.registry = registry;
        }

        @Override
        public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
            CompactedTopics.positionFollower(consumer, partitions, registry.followFrom());
        }
    }
}
