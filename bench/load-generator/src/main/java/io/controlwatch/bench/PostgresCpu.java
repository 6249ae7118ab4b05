package io.controlwatch.bench;

import io.controlwatch.bench.CollapsedStacks.Rule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Where PostgreSQL's CPU goes (bench/profile.sh): the stacks {@code perf record -g} sampled in the server's
 * processes, collapsed to one line per distinct stack ({@code postgres;outer_function;...;inner_function count},
 * kernel frames innermost), sorted into what the server was doing for the pipeline: index inserts, on-conflict
 * checks, WAL, relation extension, planning and so on. The services' profile (async-profiler) cannot see inside the
 * server, which was the pipeline's largest CPU consumer without a breakdown until this (BENCHMARKS.md, "The tenth
 * round").
 * <p>
 * As in {@link CpuCategories}, a stack belongs to the first rule that matches any of its frames, so the order is the
 * precedence: the background processes first (a checkpointer's flush is not a commit's), then the specific work
 * (a new WAL segment, a new page, a foreign key's check, an on-conflict probe, an index insert) before the
 * statements' phases it happens in (executor, planner, parser, protocol).
 */
final class PostgresCpu {

    enum Category {
        BACKGROUND("background processes (checkpointer, writers, autovacuum)"),
        NEW_WAL_SEGMENT("new WAL segment files (zero-filled before use)"),
        RELATION_EXTENSION("new table and index pages (relation extension)"),
        FOREIGN_KEYS("foreign-key checks (RI triggers)"),
        ON_CONFLICT("on-conflict probes (ON CONFLICT ... DO)"),
        INDEX_INSERT("index inserts"),
        WAL_INSERT("WAL records"),
        WAL_FLUSH("WAL write and flush at commit"),
        HEAP_WRITE("table rows written (insert, update)"),
        READS("index and table reads"),
        PLANNING("planning"),
        PARSING("parse, analyze, rewrite"),
        JSON("jsonb and json functions"),
        ARRAYS("arrays and unnest"),
        EXECUTOR("executor, other (joins, expressions, CTE tuplestores)"),
        PROTOCOL("client protocol (bind, send, receive)"),
        TRANSACTIONS("transaction start and end, locks"),
        STATISTICS("cumulative statistics"),
        OTHER("other");

        final String label;

        Category(String label) {
            this.label = label;
        }
    }

    // Function names of PostgreSQL 15's server (its binary exports them, so perf resolves them without debug symbols).
    static final List<Rule<Category>> RULES = List.of(
            new Rule<>(Category.BACKGROUND, "^(CheckpointerMain|BackgroundWriterMain|WalWriterMain|AutoVacLauncherMain"
                    + "|AutoVacWorkerMain|PgArchiverMain|StartBackgroundWorker|BackgroundWorkerMain|WalSndLoop)$"),
            new Rule<>(Category.NEW_WAL_SEGMENT, "^XLogFileInit"),
            new Rule<>(Category.RELATION_EXTENSION, "^(mdextend|smgrextend|RelationAddExtraBlocks|ExtendBufferedRel)$"),
            new Rule<>(Category.FOREIGN_KEYS, "^(RI_FKey_|AfterTriggerEndQuery$|AfterTriggerFireDeferred$)"),
            new Rule<>(Category.ON_CONFLICT, "^(ExecCheckIndexConstraints|check_exclusion_or_unique_constraint|ExecOnConflictUpdate)$"),
            new Rule<>(Category.INDEX_INSERT, "^(ExecInsertIndexTuples|index_insert|btinsert)$"),
            new Rule<>(Category.WAL_INSERT, "^(XLogInsert|XLogInsertRecord|XLogRecordAssemble|log_heap_new_cid)$"),
            new Rule<>(Category.WAL_FLUSH, "^(XLogFlush|XLogWrite|XLogBackgroundFlush|issue_xlog_fsync)$"),
            new Rule<>(Category.HEAP_WRITE, "^(heap_insert|heap_multi_insert|heap_update|heap_delete|ExecInsert|ExecUpdate|ExecDelete)$"),
            new Rule<>(Category.READS, "^(index_getnext_slot|index_getnext_tid|index_fetch_heap|heap_getnextslot|heapgettup_pagemode"
                    + "|ExecIndexScan|ExecIndexOnlyScan|ExecSeqScan|ExecBitmapHeapScan|BitmapHeapNext|IndexNext|IndexOnlyNext)$"),
            new Rule<>(Category.PLANNING, "^(pg_plan_queries|pg_plan_query|standard_planner|GetCachedPlan|BuildCachedPlan)$"),
            new Rule<>(Category.PARSING, "^(raw_parser|base_yyparse|parse_analyze\\w*|pg_analyze_and_rewrite\\w*|pg_rewrite_query"
                    + "|RevalidateCachedQuery)$"),
            new Rule<>(Category.JSON, "^(jsonb_\\w+|to_jsonb|json_\\w+|escape_json|pushJsonbValue|JsonbValueToJsonb|JsonbToCString"
                    + "|datum_to_jsonb|populate_recordset_worker)$"),
            new Rule<>(Category.ARRAYS, "^(array_unnest|array_in|array_out|construct_md_array|ExecMakeTableFunctionResult)$"),
            new Rule<>(Category.EXECUTOR, "^(standard_ExecutorRun|standard_ExecutorFinish|standard_ExecutorStart|standard_ExecutorEnd"
                    + "|ExecutorStart|ExecutorEnd|ExecSetParamPlan|ExecScan)$"),
            new Rule<>(Category.PROTOCOL, "^(secure_read|secure_write|pq_\\w+|exec_bind_message|internal_flush|socket_flush)$"),
            new Rule<>(Category.TRANSACTIONS, "^(StartTransaction|CommitTransaction|AbortTransaction|StartTransactionCommand"
                    + "|CommitTransactionCommand|LockAcquireExtended|LockRelease\\w*)$"),
            new Rule<>(Category.STATISTICS, "^pgstat_"));

    private PostgresCpu() {
    }

    static Category categorise(List<String> frames) {
        return CollapsedStacks.categorise(RULES, frames, Category.OTHER);
    }

    /** Samples per category, and per category the functions the CPU was in (the innermost frame). */
    static final class Tally {
        final Map<Category, Long> samples = new EnumMap<>(Category.class);
        final Map<Category, Map<String, Long>> leaves = new EnumMap<>(Category.class);
        long total;

        void add(String collapsedLine) {
            CollapsedStacks.Stack stack = CollapsedStacks.Stack.parse(collapsedLine, UnaryOperator.identity());
            if (stack == null) {
                return;
            }
            long count = stack.count();
            List<String> frames = stack.frames();
            Category category = categorise(frames);
            samples.merge(category, count, Long::sum);
            leaves.computeIfAbsent(category, c -> new HashMap<>()).merge(frames.get(frames.size() - 1), count, Long::sum);
            total += count;
        }

        double share(Category category) {
            return total == 0 ? 0 : (double) samples.getOrDefault(category, 0L) / total;
        }

        static Tally of(Stream<String> lines) {
            Tally tally = new Tally();
            lines.forEach(tally::add);
            return tally;
        }

        static Tally of(Path collapsed) throws IOException {
            try (Stream<String> lines = Files.lines(collapsed)) {
                return of(lines);
            }
        }
    }

    /** The table: per category its share of the sampled stacks and the µs of PostgreSQL's CPU (from /proc) per event. */
    static String report(Tally tally, double cpuSeconds, long events) {
        StringBuilder out = new StringBuilder();
        out.append("| PostgreSQL: what its processes did | share | µs/event | hottest functions (share of all samples) |\n");
        out.append("|---|---:|---:|---|\n");
        tally.samples.entrySet().stream()
                .sorted(Map.Entry.<Category, Long>comparingByValue().reversed())
                .forEach(e -> {
                    double share = tally.share(e.getKey());
                    String hottest = String.join(", ", tally.leaves.get(e.getKey()).entrySet().stream()
                            .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(3)
                            .map(l -> String.format(Locale.ROOT, "`%s` %.1f %%", l.getKey(), 100.0 * l.getValue() / tally.total))
                            .toList());
                    out.append(String.format(Locale.ROOT, "| %s | %.1f %% | %.1f | %s |%n", e.getKey().label, share * 100,
                            CpuCategories.microsPerEvent(cpuSeconds * share, events), hottest));
                });
        out.append(String.format(Locale.ROOT, "| **total (CPU from /proc)** | 100 %% | **%.1f** | %d samples |%n",
                CpuCategories.microsPerEvent(cpuSeconds, events), tally.total));
        return out.toString();
    }
}
