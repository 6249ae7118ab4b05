package io.controlwatch.bench;

import io.controlwatch.bench.CollapsedStacks.Rule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Where a service's CPU goes (bench/profile.sh): the stacks async-profiler sampled, in the collapsed format with
 * dotted class names and the thread as the root frame ({@code jfrconv -o collapsed --threads --dot}: one line per
 * distinct stack, {@code [thread tid=n];outer.Frame;...;inner.Frame count}), sorted into cost categories.
 * <p>
 * A stack belongs to the first rule in {@link #RULES} that matches any of its frames, so the order is the
 * precedence: the specific kinds of work (JSON, CEL, RocksDB) come before the paths they run on (a producer send,
 * a commit), then "our code", then the frameworks it runs in (an HTTP request, a stream thread). That is why a JSON
 * encoding of a routed event for the repartition topic counts as repartition, the changelog write of a state
 * store as state store, and the CEL evaluation inside a stream task as CEL.
 */
final class CpuCategories {

    enum Category {
        JVM("GC, JIT and other JVM threads"),
        LOGGING("logging"),
        REPARTITION("Kafka Streams repartition (RoutedEvent serde)"),
        VALIDATE("validate (CloudEvents envelope, data schemas)"),
        CEL("CEL evaluation"),
        JSON_PARSE("JSON parse"),
        JSON_SERIALIZE("JSON serialize"),
        STATE_STORE("state store (RocksDB, cache, changelog)"),
        TRANSACTIONS("transactions and commits (EOS)"),
        JDBC("JDBC / PostgreSQL driver"),
        REACTIVE_PG("Hibernate Reactive / Vert.x pg client"),
        KAFKA_PRODUCE("Kafka produce"),
        KAFKA_CONSUME("Kafka consume / fetch"),
        METRICS("metrics (Micrometer)"),
        CONTROLWATCH("ControlWatch code, other"),
        HTTP("HTTP, REST and auth"),
        KAFKA_STREAMS("Kafka Streams runtime, other"),
        OTHER("other");

        final String label;

        Category(String label) {
            this.label = label;
        }
    }

    // The one pattern table. First match wins (see the class comment); a frame is "[thread tid=n]" or
    // "package.Class.method" (async-profiler adds "_[j]", "_[i]", "_[k]" ... suffixes; the patterns ignore them).
    static final List<Rule<Category>> RULES = List.of(
            // (native threads' names are cut to 15 characters: "C2 CompilerThre", "VM Periodic Tas")
            new Rule<>(Category.JVM, "^\\[(GC Thread|G1 |VM Thread|VM Periodic|C1 CompilerThr|C2 CompilerThr"
                    + "|Sweeper|Service Thread|Monitor Deflati|Signal Dispatch|Finalizer|Reference Handl"
                    + "|Common-Cleaner|Attach Listener|Notification Thr|JFR )"),
            new Rule<>(Category.LOGGING, "^(org\\.jboss\\.logmanager|org\\.jboss\\.logging|org\\.slf4j|org\\.apache\\.logging\\.log4j"
                    + "|org\\.apache\\.log4j|java\\.util\\.logging|io\\.quarkus\\.bootstrap\\.logging)\\."),
            new Rule<>(Category.REPARTITION, "^(io\\.quarkus\\.kafka\\.client\\.serialization\\.ObjectMapper(Serializer|Deserializer)"
                    + "|org\\.apache\\.kafka\\.streams\\.kstream\\.internals\\.(KStreamRepartition|RepartitionNode))"),
            new Rule<>(Category.VALIDATE, "^(io\\.controlwatch\\.model\\.CloudEventValidator|io\\.controlwatch\\.ingest\\.service\\.EventDataSchemas"
                    + "|io\\.vertx\\.json\\.schema|com\\.networknt\\.schema|org\\.hibernate\\.validator|jakarta\\.validation)\\."),
            new Rule<>(Category.CEL, "^(dev\\.cel|com\\.google\\.api\\.expr|com\\.google\\.protobuf"
                    + "|io\\.controlwatch\\.engine\\.internal\\.CelSupport)\\."),
            new Rule<>(Category.JSON_PARSE, "^(com\\.fasterxml\\.jackson\\.core\\.(json\\.(ReaderBasedJsonParser|UTF8StreamJsonParser"
                    + "|ByteSourceJsonBootstrapper)|base\\.ParserBase|sym\\.)|com\\.fasterxml\\.jackson\\.databind\\.(ObjectMapper\\.(readValue|readTree|_read)"
                    + "|ObjectReader\\.|deser\\.)|io\\.vertx\\.core\\.json\\.jackson\\.JacksonCodec\\.(decode|fromParser))"),
            new Rule<>(Category.JSON_SERIALIZE, "^(com\\.fasterxml\\.jackson\\.core\\.(json\\.(UTF8JsonGenerator|WriterBasedJsonGenerator)"
                    + "|base\\.GeneratorBase)|com\\.fasterxml\\.jackson\\.databind\\.(ObjectMapper\\.(writeValue|_writeValue|valueToTree)"
                    + "|ObjectWriter\\.|ser\\.|node\\.(InternalNodeMapper|ObjectNode\\.serialize|ArrayNode\\.serialize))"
                    + "|io\\.vertx\\.core\\.json\\.jackson\\.JacksonCodec\\.encode)"),
            new Rule<>(Category.STATE_STORE, "^(org\\.rocksdb\\.|rocksdb::|org\\.apache\\.kafka\\.streams\\.state\\.)|^\\[rocksdb:"),
            new Rule<>(Category.TRANSACTIONS, "^(org\\.apache\\.kafka\\.clients\\.producer\\.internals\\.TransactionManager\\."
                    + "|org\\.apache\\.kafka\\.clients\\.producer\\.KafkaProducer\\.(commitTransaction|sendOffsetsToTransaction|beginTransaction|abortTransaction)"
                    + "|org\\.apache\\.kafka\\.streams\\.processor\\.internals\\.(StreamsProducer\\.(commitTransaction|maybeBeginTransaction)"
                    + "|TaskExecutor\\.commit|TaskManager\\.commit|StreamTask\\.(prepareCommit|postCommit)|ProcessorStateManager\\.(flush|checkpoint)))"),
            new Rule<>(Category.JDBC, "^(org\\.postgresql|io\\.agroal|com\\.zaxxer\\.hikari|java\\.sql)\\."),
            new Rule<>(Category.REACTIVE_PG, "^(org\\.hibernate\\.reactive|io\\.quarkus\\.hibernate\\.reactive|io\\.vertx\\.pgclient"
                    + "|io\\.vertx\\.sqlclient|org\\.hibernate)\\."),
            new Rule<>(Category.KAFKA_PRODUCE, "^(org\\.apache\\.kafka\\.clients\\.producer\\.|org\\.apache\\.kafka\\.streams\\.processor\\.internals\\.RecordCollectorImpl\\.send"
                    + "|io\\.smallrye\\.reactive\\.messaging\\.kafka\\.impl\\.(KafkaSink|ReactiveKafkaProducer)|org\\.apache\\.kafka\\.common\\.record\\.MemoryRecordsBuilder)"
                    + "|^\\[kafka-producer-network-thread"),
            new Rule<>(Category.KAFKA_CONSUME, "^(org\\.apache\\.kafka\\.clients\\.consumer\\.|org\\.apache\\.kafka\\.streams\\.processor\\.internals\\.(RecordQueue|RecordDeserializer"
                    + "|PartitionGroup|StreamThread\\.pollRequests|StreamThread\\.addRecordsToTasks)|io\\.smallrye\\.reactive\\.messaging\\.kafka\\.impl\\.(KafkaSource|ReactiveKafkaConsumer|KafkaRecordStream))"
                    + "|^\\[(consumer_background_thread|smallrye-kafka-consumer-thread)"),
            new Rule<>(Category.METRICS, "^io\\.micrometer\\."),
            new Rule<>(Category.CONTROLWATCH, "^io\\.controlwatch\\."),
            new Rule<>(Category.HTTP, "^(io\\.vertx\\.core\\.http|io\\.vertx\\.core\\.net|io\\.vertx\\.ext\\.web|io\\.netty|org\\.jboss\\.resteasy"
                    + "|io\\.quarkus\\.vertx\\.http|io\\.quarkus\\.resteasy|io\\.smallrye\\.jwt|io\\.quarkus\\.smallrye\\.jwt|io\\.quarkus\\.security"
                    + "|org\\.jose4j)\\."),
            new Rule<>(Category.KAFKA_STREAMS, "^org\\.apache\\.kafka\\.streams\\."));

    private CpuCategories() {
    }

    /** The category of one stack (frames from the root, the thread, to the leaf). */
    static Category categorise(List<String> frames) {
        return CollapsedStacks.categorise(RULES, frames, Category.OTHER);
    }

    /** Samples per category and the hottest ControlWatch methods of one service's collapsed stacks. */
    static final class Tally {
        final Map<Category, Long> samples = new EnumMap<>(Category.class);
        /** Samples in which the method is on the stack (inclusive), counted once per stack. */
        final Map<String, Long> controlWatchMethods = new HashMap<>();
        /** Per category, samples per frame that decided it (the innermost matching frame). */
        final Map<Category, Map<String, Long>> deciders = new EnumMap<>(Category.class);
        long total;

        void add(String collapsedLine) {
            CollapsedStacks.Stack stack = CollapsedStacks.Stack.parse(collapsedLine, CpuCategories::method);
            if (stack == null) {
                return;
            }
            long count = stack.count();
            List<String> frames = stack.frames();
            Category category = categorise(frames);
            samples.merge(category, count, Long::sum);
            total += count;
            // what is left over is best told by its thread
            (category == Category.OTHER ? java.util.Optional.of(frames.get(0)) : decider(category, frames)).ifPresent(f ->
                    deciders.computeIfAbsent(category, c -> new HashMap<>())
                            .merge(f.replaceAll(" tid=\\d+]$", "]"), count, Long::sum));
            Set<String> seen = new HashSet<>();
            for (String frame : frames) {
                if (frame.startsWith("io.controlwatch.") && seen.add(frame)) {
                    controlWatchMethods.merge(frame, count, Long::sum);
                }
            }
        }

        double share(Category category) {
            return total == 0 ? 0 : (double) samples.getOrDefault(category, 0L) / total;
        }

        static Tally of(Stream<String> collapsedLines) {
            Tally tally = new Tally();
            collapsedLines.forEach(tally::add);
            return tally;
        }

        static Tally of(Path collapsed) throws IOException {
            try (Stream<String> lines = Files.lines(collapsed)) {
                return of(lines);
            }
        }
    }

    /** The innermost frame that matches the stack's rule: where the category's work was entered from deepest. */
    private static java.util.Optional<String> decider(Category category, List<String> frames) {
        for (Rule<Category> rule : RULES) {
            if (rule.category() != category) {
                continue;
            }
            for (int i = frames.size() - 1; i >= 0; i--) {
                if (rule.frame().matcher(frames.get(i)).find()) {
                    return java.util.Optional.of(frames.get(i));
                }
            }
        }
        return java.util.Optional.empty();
    }

    /** A frame without async-profiler's frame-type suffix ({@code _[j]} JIT-compiled, {@code _[i]} inlined, ...). */
    static String method(String frame) {
        int suffix = frame.lastIndexOf("_[");
        return suffix > 0 && frame.endsWith("]") && !frame.startsWith("[") ? frame.substring(0, suffix) : frame;
    }

    /**
     * The report of one profile run: per service and category the share of the sampled CPU and the µs of CPU per
     * event (the process's CPU from /proc split by the shares), the broker's and PostgreSQL's CPU unsplit, then the
     * hottest ControlWatch methods and the frames that decided each large category.
     *
     * @param cpuSeconds group ("ingest", "evaluation", "alerting", "kafka", "postgres") to CPU seconds
     */
    static String report(Map<String, Tally> services, Map<String, Double> cpuSeconds, long events, double intervalMs) {
        StringBuilder out = new StringBuilder();
        List<String> names = new ArrayList<>(services.keySet());
        out.append("| Category |");
        names.forEach(s -> out.append(' ').append(s).append(" share | ").append(s).append(" µs/event |"));
        out.append(" all µs/event |\n|---|");
        names.forEach(s -> out.append("---:|---:|"));
        out.append("---:|\n");
        for (Category category : Category.values()) {
            if (names.stream().allMatch(s -> services.get(s).samples.getOrDefault(category, 0L) == 0)) {
                continue;
            }
            double all = 0;
            out.append("| ").append(category.label).append(" |");
            for (String s : names) {
                double share = services.get(s).share(category);
                double us = microsPerEvent(cpuSeconds.getOrDefault(s, 0.0) * share, events);
                all += us;
                out.append(String.format(Locale.ROOT, " %.1f %% | %.1f |", share * 100, us));
            }
            out.append(String.format(Locale.ROOT, " %.1f |%n", all));
        }
        double allTotal = 0;
        out.append("| **total (CPU from /proc)** |");
        for (String s : names) {
            double us = microsPerEvent(cpuSeconds.getOrDefault(s, 0.0), events);
            allTotal += us;
            out.append(String.format(Locale.ROOT, " 100 %% | **%.1f** |", us));
        }
        out.append(String.format(Locale.ROOT, " **%.1f** |%n", allTotal));
        out.append("| samples (sampled CPU s / CPU s from /proc) |");
        for (String s : names) {
            Tally t = services.get(s);
            out.append(String.format(Locale.ROOT, " %d | (%.1f / %.1f s) |", t.total, t.total * intervalMs / 1000,
                    cpuSeconds.getOrDefault(s, 0.0)));
        }
        out.append(" |\n\n");
        out.append("| Not profiled | CPU s | µs/event |\n|---|---:|---:|\n");
        double pipeline = allTotal;
        for (String g : List.of("kafka", "postgres")) {
            double us = microsPerEvent(cpuSeconds.getOrDefault(g, 0.0), events);
            pipeline += us;
            out.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f |%n", g, cpuSeconds.getOrDefault(g, 0.0), us));
        }
        out.append(String.format(Locale.ROOT, "| **whole pipeline (services + kafka + postgres)** | | **%.1f** |%n", pipeline));
        for (String s : names) {
            Tally t = services.get(s);
            out.append("\n#### ").append(s).append(": hottest ControlWatch methods (inclusive share of its samples)\n\n");
            t.controlWatchMethods.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(15)
                    .forEach(e -> out.append(String.format(Locale.ROOT, "- %.1f %% `%s`%n", 100.0 * e.getValue() / Math.max(1, t.total), e.getKey())));
            out.append("\n#### ").append(s).append(": innermost deciding frames of the categories above 3 %\n\n");
            for (Category category : Category.values()) {
                if (t.share(category) < 0.03 || !t.deciders.containsKey(category)) {
                    continue;
                }
                out.append("- ").append(category.label).append(String.format(Locale.ROOT, " (%.1f %%): ", t.share(category) * 100));
                out.append(String.join(", ", t.deciders.get(category).entrySet().stream()
                        .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(4)
                        .map(e -> String.format(Locale.ROOT, "`%s` %.1f %%", e.getKey(), 100.0 * e.getValue() / t.total)).toList()));
                out.append('\n');
            }
        }
        return out.toString();
    }

    static double microsPerEvent(double cpuSeconds, long events) {
        return events == 0 ? 0 : cpuSeconds * 1e6 / events;
    }

    /** {@code "<group> <seconds>"} lines (bench/lib.sh cpu_delta). */
    static Map<String, Double> cpuSeconds(Path file) throws IOException {
        Map<String, Double> cpu = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2) {
                cpu.put(f[0], Double.parseDouble(f[1]));
            }
        }
        return cpu;
    }
}
