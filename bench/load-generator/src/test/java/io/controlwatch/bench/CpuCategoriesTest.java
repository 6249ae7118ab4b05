package io.controlwatch.bench;

import io.controlwatch.bench.CpuCategories.Category;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class CpuCategoriesTest {

    private static List<String> stack(String collapsed) {
        return Arrays.stream(collapsed.split(";")).map(CpuCategories::method).toList();
    }

    // Stacks as jfrconv -o collapsed --threads --dot writes them (shortened), and where each must land.
    @ParameterizedTest
    @CsvSource(delimiterString = "=>", textBlock = """
            [GC Thread#0 tid=12];thread_native_entry;G1ParScanThreadState::trim_queue => JVM
            [C2 CompilerThre tid=9];CompileBroker::compiler_thread_loop;Compile::Optimize => JVM
            [controlwatch-evaluation-1-StreamThread-1 tid=40];org.apache.kafka.streams.processor.internals.StreamThread.run_[j];org.apache.kafka.streams.processor.internals.SinkNode.process_[j];org.apache.kafka.streams.processor.internals.RecordCollectorImpl.send_[j];io.quarkus.kafka.client.serialization.ObjectMapperSerializer.serialize_[j];com.fasterxml.jackson.core.json.UTF8JsonGenerator.writeString_[j] => REPARTITION
            [controlwatch-evaluation-1-StreamThread-1 tid=40];org.apache.kafka.streams.processor.internals.StreamTask.process_[j];io.controlwatch.evaluation.stream.internal.EvaluateEvent.process_[j];io.controlwatch.engine.ControlEngine.evaluate_[j];dev.cel.runtime.DefaultInterpreter$DefaultInterpretable.eval_[j];com.fasterxml.jackson.databind.node.ObjectNode.get_[i] => CEL
            [controlwatch-evaluation-1-StreamThread-1 tid=40];org.apache.kafka.streams.processor.internals.StreamTask.process_[j];io.controlwatch.evaluation.stream.internal.ParseEvent.process_[j];com.fasterxml.jackson.databind.ObjectMapper.readTree_[j];com.fasterxml.jackson.core.json.UTF8StreamJsonParser.nextToken_[j] => JSON_PARSE
            [controlwatch-evaluation-1-StreamThread-1 tid=40];org.apache.kafka.streams.processor.internals.TaskManager.commit_[j];org.apache.kafka.streams.state.internals.CachingKeyValueStore.flush_[j];org.apache.kafka.streams.state.internals.ChangeLoggingKeyValueBytesStore.put_[j];org.apache.kafka.streams.processor.internals.RecordCollectorImpl.send_[j];org.apache.kafka.clients.producer.KafkaProducer.doSend_[j] => STATE_STORE
            [controlwatch-evaluation-1-StreamThread-1 tid=40];org.apache.kafka.streams.processor.internals.TaskManager.commit_[j];org.rocksdb.RocksDB.write0_[j];rocksdb::DBImpl::WriteImpl => STATE_STORE
            [rocksdb:low tid=77];rocksdb::CompactionJob::Run => STATE_STORE
            [controlwatch-evaluation-1-StreamThread-1 tid=40];org.apache.kafka.streams.processor.internals.TaskExecutor.commitOffsetsOrTransaction_[j];org.apache.kafka.streams.processor.internals.StreamsProducer.commitTransaction_[j];org.apache.kafka.clients.producer.KafkaProducer.commitTransaction_[j] => TRANSACTIONS
            [kafka-producer-network-thread | controlwatch-evaluation-1-StreamThread-1-producer tid=41];org.apache.kafka.clients.producer.internals.Sender.run_[j];org.apache.kafka.common.network.Selector.poll_[j] => KAFKA_PRODUCE
            [controlwatch-evaluation-1-StreamThread-1 tid=40];org.apache.kafka.streams.processor.internals.StreamThread.pollRequests_[j];org.apache.kafka.clients.consumer.internals.ClassicKafkaConsumer.poll_[j];org.apache.kafka.common.network.Selector.poll_[j] => KAFKA_CONSUME
            [executor-thread-1 tid=60];org.jboss.resteasy.reactive.server.handlers.InvocationHandler.handle_[j];io.controlwatch.ingest.api.EventResource.post_[j];io.controlwatch.ingest.service.EventIntake.batch_[j];io.controlwatch.model.CloudEventValidator.validate_[j] => VALIDATE
            [executor-thread-1 tid=60];org.jboss.resteasy.reactive.server.handlers.InvocationHandler.handle_[j];io.controlwatch.ingest.messaging.EventPublisher.publish_[j];org.apache.kafka.clients.producer.KafkaProducer.send_[j] => KAFKA_PRODUCE
            [vert.x-eventloop-thread-0 tid=30];io.netty.channel.nio.NioEventLoop.run_[j];io.vertx.core.http.impl.Http1xServerConnection.handleMessage_[j] => HTTP
            [executor-thread-1 tid=60];org.jboss.resteasy.reactive.server.handlers.InvocationHandler.handle_[j];io.quarkus.security.runtime.interceptor.SecurityHandler.handle_[j];io.controlwatch.ingest.service.EventIntake.accepted_[j];java.util.ArrayList.add_[j] => CONTROLWATCH
            [vert.x-eventloop-thread-1 tid=31];io.netty.channel.nio.NioEventLoop.run_[j];io.vertx.pgclient.impl.codec.PgDecoder.channelRead_[j] => REACTIVE_PG
            [executor-thread-2 tid=61];io.controlwatch.alerting.persistence.JdbcEvidenceSource.read_[j];org.postgresql.jdbc.PgPreparedStatement.executeQuery_[j] => JDBC
            [executor-thread-2 tid=61];io.controlwatch.alerting.service.EvidenceRecorder.store_[j];org.jboss.logmanager.Logger.logRaw_[j];com.fasterxml.jackson.core.json.UTF8JsonGenerator.writeString_[j] => LOGGING
            [executor-thread-2 tid=61];io.controlwatch.alerting.service.EvidenceRecorder.store_[j];java.util.HashMap.put_[j] => CONTROLWATCH
            [controlwatch-evaluation-1-StreamThread-1 tid=40];org.apache.kafka.streams.processor.internals.StreamThread.runOnceWithoutProcessingThreads_[j];java.util.ArrayList.add_[j] => KAFKA_STREAMS
            [main tid=1];java.lang.Thread.sleep_[j] => OTHER
            """)
    void aStackGoesToTheFirstRuleThatMatchesAnyOfItsFrames(String collapsed, Category expected) {
        assertThat(CpuCategories.categorise(stack(collapsed.strip()))).isEqualTo(expected);
    }

    @Test
    void frameTypeSuffixesAreDroppedButThreadNamesKept() {
        assertThat(CpuCategories.method("dev.cel.runtime.Foo.eval_[j]")).isEqualTo("dev.cel.runtime.Foo.eval");
        assertThat(CpuCategories.method("[executor-thread-1 tid=60]")).isEqualTo("[executor-thread-1 tid=60]");
        assertThat(CpuCategories.method("rocksdb::DBImpl::WriteImpl")).isEqualTo("rocksdb::DBImpl::WriteImpl");
    }

    @Test
    void theReportSplitsEachProcessesCpuByItsSampledShares() {
        CpuCategories.Tally evaluation = CpuCategories.Tally.of(Stream.of(
                "[t tid=1];io.controlwatch.evaluation.stream.internal.EvaluateEvent.process_[j];dev.cel.runtime.Eval.eval_[j] 30",
                "[t tid=1];io.controlwatch.evaluation.stream.internal.ParseEvent.process_[j];com.fasterxml.jackson.databind.ObjectMapper.readTree_[j] 10",
                "[GC Thread#0 tid=2];G1ParScanThreadState::trim_queue 60"));
        assertThat(evaluation.total).isEqualTo(100);
        assertThat(evaluation.share(Category.CEL)).isCloseTo(0.3, within(1e-9));
        assertThat(evaluation.controlWatchMethods).containsEntry("io.controlwatch.evaluation.stream.internal.EvaluateEvent.process", 30L);

        Map<String, CpuCategories.Tally> services = new LinkedHashMap<>();
        services.put("evaluation", evaluation);
        // 20 CPU-s over 100,000 events = 200 µs per event, 30 % of it CEL = 60 µs
        String report = CpuCategories.report(services, Map.of("evaluation", 20.0, "kafka", 5.0), 100_000, 10);
        assertThat(report)
                .contains("| CEL evaluation | 30.0 % | 60.0 | 60.0 |")
                .contains("| JSON parse | 10.0 % | 20.0 | 20.0 |")
                .contains("| GC, JIT and other JVM threads | 60.0 % | 120.0 | 120.0 |")
                .contains("**200.0**")
                .contains("| kafka | 5.0 | 50.0 |")
                .doesNotContain("| Kafka produce |");
    }
}
