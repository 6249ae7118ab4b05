package io.controlwatch.evaluation.messaging;

import io.controlwatch.model.DeadLetterHeaders;
import io.controlwatch.model.Topics;
import io.controlwatch.testsupport.TestKafka;
import io.controlwatch.testsupport.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler.ProcessingHandlerResponse;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The topology's last line of defence on a real broker: a record whose processing threw is written as it was read
 * to the dead-letter topic with the reason and its origin, and processing continues; when the dead letter cannot be
 * written, the handler says FAIL (the record is retried, never dropped).
 */
class DeadLetteringProcessingHandlerIT {

    @Test
    void aRecordWhoseProcessingThrowsIsDeadLetteredWithItsReasonAndProcessingContinues() {
        String key = "poison-" + UUID.randomUUID();
        byte[] value = "{\"specversion\":\"1.0\",\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8);
        DeadLetteringProcessingHandler handler = new DeadLetteringProcessingHandler();
        handler.configure(Map.of("bootstrap.servers", TestKafka.bootstrapServers(), "application.id", "ignored"));

        ProcessingHandlerResponse response = handler.handle(context(key.getBytes(StandardCharsets.UTF_8), value),
                new Record<>(key, value, 0L), new IllegalStateException("a defect"));

        assertThat(response).isEqualTo(ProcessingHandlerResponse.CONTINUE);
        ConsumerRecord<String, String> dead = TopicReader.readAll(TestKafka.bootstrapServers(), Topics.EVENTS_DEAD_LETTER)
                .stream().filter(r -> key.equals(r.key())).findFirst().orElseThrow();
        assertThat(dead.value()).isEqualTo(new String(value, StandardCharsets.UTF_8));
        assertThat(header(dead, DeadLetterHeaders.REASON_CODE)).isEqualTo("processing-error");
        assertThat(header(dead, DeadLetterHeaders.REASON)).contains("evaluate").contains("a defect");
        assertThat(header(dead, DeadLetterHeaders.TOPIC)).isEqualTo(Topics.EVENTS);
        assertThat(header(dead, DeadLetterHeaders.OFFSET)).isEqualTo("42");
    }

    @Test
    void whenTheDeadLetterCannotBeWrittenTheRecordIsRetriedNotDropped() {
        DeadLetteringProcessingHandler handler = new DeadLetteringProcessingHandler();
        // nothing listens there: the send times out
        handler.configure(Map.of("bootstrap.servers", "127.0.0.1:1", "max.block.ms", 1000));
        assertThat(handler.handle(context(new byte[0], new byte[0]), new Record<>("k", "v", 0L), new IllegalStateException("x")))
                .isEqualTo(ProcessingHandlerResponse.FAIL);
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static ErrorHandlerContext context(byte[] key, byte[] value) {
        return new ErrorHandlerContext() {
            @Override public String topic() { return Topics.EVENTS; }
            @Override public int partition() { return 1; }
            @Override public long offset() { return 42; }
            @Override public Headers headers() { return new RecordHeaders(); }
            @Override public String processorNodeId() { return "evaluate"; }
            @Override public TaskId taskId() { return new TaskId(0, 1); }
            @Override public long timestamp() { return 0; }
            @Override public byte[] sourceRawKey() { return key; }
            @Override public byte[] sourceRawValue() { return value; }
        };
    }
}
