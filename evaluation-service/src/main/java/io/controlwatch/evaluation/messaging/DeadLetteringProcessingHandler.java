package io.controlwatch.evaluation.messaging;

import io.controlwatch.evaluation.logging.EvaluationLogging;
import io.controlwatch.model.DeadLetterHeaders;
import io.controlwatch.model.Topics;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The last line of defence of the topology: a record whose processing throws (a defect; the processors turn every
 * foreseeable problem into a dead letter or an ERROR execution themselves) is written, as it was read, to the events'
 * dead-letter topic with the reason, and processing continues with the next record. One record can never stop a
 * partition. If even the dead letter cannot be written, the stream thread fails and the record is retried: nothing
 * is dropped silently.
 * <p>
 * The dead letter is written by a producer of its own, outside the exactly-once transaction: after a crash the same
 * dead letter may appear twice, which its headers (origin topic, partition, offset) make recognisable.
 */
public class DeadLetteringProcessingHandler implements ProcessingExceptionHandler {

    private KafkaProducer<byte[], byte[]> producer;

    @Override
    public void configure(Map<String, ?> configs) {
        Map<String, Object> config = new HashMap<>();
        // the streams configuration carries the connection and security settings every client of the service shares
        configs.forEach((key, value) -> {
            if (key.equals(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG) || key.equals(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG)
                    || key.startsWith("sasl.") || key.startsWith("ssl.") || key.equals(ProducerConfig.MAX_BLOCK_MS_CONFIG)) {
                config.put(key, value);
            }
        });
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "controlwatch-evaluation-dead-letters");
        config.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Override
    public ProcessingHandlerResponse handle(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        String reason = "processing failed in " + context.processorNodeId() + ": " + exception;
        RecordHeaders headers = new RecordHeaders(context.headers().toArray());
        headers.add(DeadLetterHeaders.REASON, bytes(reason));
        headers.add(DeadLetterHeaders.REASON_CODE, bytes("processing-error"));
        headers.add(DeadLetterHeaders.TOPIC, bytes(context.topic()));
        headers.add(DeadLetterHeaders.PARTITION, bytes(String.valueOf(context.partition())));
        headers.add(DeadLetterHeaders.OFFSET, bytes(String.valueOf(context.offset())));
        try {
            producer.send(new ProducerRecord<>(Topics.EVENTS_DEAD_LETTER, null, context.sourceRawKey(),
                    context.sourceRawValue(), headers)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            return ProcessingHandlerResponse.FAIL;
        }
        EvaluationLogging.LOG.processingFailed(context.topic(), context.partition(), context.offset(),
                Topics.EVENTS_DEAD_LETTER, reason);
        return ProcessingHandlerResponse.CONTINUE;
    }

    private static byte[] bytes(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
