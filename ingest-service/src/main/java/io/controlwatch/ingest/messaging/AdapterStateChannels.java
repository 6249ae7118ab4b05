package io.controlwatch.ingest.messaging;

import io.controlwatch.ingest.config.SourcesConfig;
import io.controlwatch.ingest.service.DurableAdapterStateStore;
import io.controlwatch.common.messaging.CompactedTopics;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import io.smallrye.reactive.messaging.kafka.Record;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import java.time.Clock;
import java.util.Collection;
import java.util.Map;

/** The adapters' state on Kafka: read whole at start-up, written through, followed (like the source registry). */
@ApplicationScoped
public class AdapterStateChannels {

    private final DurableAdapterStateStore store;

    public AdapterStateChannels(DurableAdapterStateStore store) {
        this.store = store;
    }

    @Incoming(Channels.ADAPTER_STATE_IN)
    @Blocking
    public void follow(ConsumerRecord<String, String> record) {
        store.follow(record);
    }

    @Produces
    @Singleton
    static DurableAdapterStateStore adapterState(@Identifier("default-kafka-broker") Map<String, Object> kafka,
                                                 SourcesConfig config, Clock clock,
                                                 @Channel(Channels.ADAPTER_STATE_OUT)
                                                 @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 1024)
                                                 MutinyEmitter<Record<String, String>> emitter) {
        return DurableAdapterStateStore.startingFrom(kafka, config.startupRead(), clock, emitter::sendMessage);
    }

    /** Positions the follower where the start-up read ended (from the beginning if that read failed). */
    @ApplicationScoped
    @Identifier(Channels.ADAPTER_STATE_FOLLOWER)
    public static class Follower implements KafkaConsumerRebalanceListener {

        private final DurableAdapterStateStore store;

        public Follower(DurableAdapterStateStore store) {
            this.store = store;
        }

        @Override
        public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
            CompactedTopics.positionFollower(consumer, partitions, store.followFrom());
        }
    }
}
