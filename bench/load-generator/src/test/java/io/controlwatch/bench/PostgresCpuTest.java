package io.controlwatch.bench;

import io.controlwatch.bench.PostgresCpu.Category;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class PostgresCpuTest {

    // Stacks as bench/profile.sh collapses perf's samples of the server (shortened; kernel frames innermost), seen in
    // a profile of the storing transaction, and where each must land.
    @ParameterizedTest
    @CsvSource(delimiterString = "=>", textBlock = """
            postgres;main;PostmasterMain;PostgresMain;CommitTransactionCommand;XLogFlush;XLogWrite;XLogFileInit;__libc_pwrite;do_pwritev => NEW_WAL_SEGMENT
            postgres;main;PostmasterMain;PostgresMain;CommitTransactionCommand;XLogFlush;XLogWrite;issue_xlog_fsync;fdatasync => WAL_FLUSH
            postgres;main;PostmasterMain;PostgresMain;PortalRun;standard_ExecutorRun;ExecSetParamPlan;ExecInsert;ExecInsertIndexTuples;btinsert;_bt_doinsert;_bt_compare => INDEX_INSERT
            postgres;main;PostmasterMain;PostgresMain;PortalRun;standard_ExecutorRun;ExecInsert;ExecInsertIndexTuples;btinsert;_bt_doinsert;_bt_split;ReadBufferExtended;smgrextend;mdextend;__libc_pwrite => RELATION_EXTENSION
            postgres;main;PostmasterMain;PostgresMain;PortalRun;standard_ExecutorRun;ExecInsert;ExecCheckIndexConstraints;check_exclusion_or_unique_constraint;index_getnext_slot;_bt_first;_bt_compare => ON_CONFLICT
            postgres;main;PostmasterMain;PostgresMain;PortalRun;standard_ExecutorFinish;AfterTriggerEndQuery;RI_FKey_check_ins;RI_FKey_check;SPI_execute_snapshot;GetCachedPlan;BuildCachedPlan;pg_plan_queries => FOREIGN_KEYS
            postgres;main;PostmasterMain;PostgresMain;PortalRun;standard_ExecutorRun;ExecInsert;heap_insert;XLogInsert;XLogInsertRecord => WAL_INSERT
            postgres;main;PostmasterMain;PostgresMain;PortalRun;standard_ExecutorRun;ExecInsert;heap_insert;RelationGetBufferForTuple => HEAP_WRITE
            postgres;main;PostmasterMain;PostgresMain;exec_bind_message;GetCachedPlan;BuildCachedPlan;pg_plan_queries;standard_planner;query_planner => PLANNING
            postgres;main;PostmasterMain;PostgresMain;exec_bind_message;array_in;uuid_in => ARRAYS
            postgres;main;PostmasterMain;PostgresMain;exec_parse_message;raw_parser;base_yyparse => PARSING
            postgres;main;PostmasterMain;PostgresMain;PortalRun;standard_ExecutorRun;ExecScan;IndexNext;index_getnext_slot;_bt_first => READS
            postgres;main;PostmasterMain;PostgresMain;PortalRun;standard_ExecutorRun;ExecSetParamPlan;jsonb_agg_transfn;to_jsonb => JSON
            postgres;main;PostmasterMain;PostgresMain;PortalRun;standard_ExecutorRun;ExecSetParamPlan;ExecScan;tuplestore_gettupleslot => EXECUTOR
            postgres;main;PostmasterMain;PostgresMain;pq_getbyte;pq_recvbuf;secure_read;tcp_recvmsg => PROTOCOL
            postgres;main;PostmasterMain;BackgroundWriterMain;BgBufferSync;SyncOneBuffer;XLogFlush => BACKGROUND
            postgres;main;PostmasterMain;CheckpointerMain;CheckPointGuts;BufferSync => BACKGROUND
            postgres;main;PostmasterMain;PostgresMain;pgstat_report_stat;pgstat_relation_flush_cb => STATISTICS
            postgres;__libc_start_call_main;main;PostmasterMain;ServerLoop;fork => OTHER
            """)
    void aStackGoesToTheFirstRuleThatMatchesAnyOfItsFrames(String collapsed, Category expected) {
        assertThat(PostgresCpu.categorise(Arrays.asList(collapsed.strip().split(";")))).isEqualTo(expected);
    }

    @Test
    void theReportSplitsTheServersCpuByTheSampledShares() {
        PostgresCpu.Tally tally = PostgresCpu.Tally.of(Stream.of(
                "postgres;main;PostgresMain;ExecInsertIndexTuples;btinsert;_bt_compare 30",
                "postgres;main;PostgresMain;ExecInsertIndexTuples;btinsert;_bt_moveright 10",
                "postgres;main;PostgresMain;exec_bind_message;GetCachedPlan;standard_planner 10",
                "postgres;main;PostgresMain;standard_ExecutorRun;ExecScan 50"));
        assertThat(tally.total).isEqualTo(100);
        assertThat(tally.share(Category.INDEX_INSERT)).isCloseTo(0.4, within(1e-9));

        // 10 CPU-s over 100,000 events = 100 µs per event: 40 % of it index inserts, 10 % planning
        String report = PostgresCpu.report(tally, 10.0, 100_000);
        assertThat(report)
                .contains("| index inserts | 40.0 % | 40.0 | `_bt_compare` 30.0 %, `_bt_moveright` 10.0 % |")
                .contains("| planning | 10.0 % | 10.0 | `standard_planner` 10.0 % |")
                .contains("| executor, other (joins, expressions, CTE tuplestores) | 50.0 % | 50.0 |")
                .contains("**100.0**")
                .doesNotContain("foreign-key");
        // the largest first
        assertThat(report.indexOf("executor, other")).isLessThan(report.indexOf("index inserts"));
    }
}
