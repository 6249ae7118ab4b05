-- The operating-effectiveness report (the console's posture, control page and matrix) at volume: measured with
-- bench/console-benchmark.sh at 1,000,000 executions and 100,000 findings (BENCHMARKS.md, "The console at volume").

-- The report groups a period's executions per control, version and UTC day in one pass. Without this, PostgreSQL
-- takes every execution for a group of its own (it has no statistics on the day expression), sorts the whole
-- period on disk instead of hashing a few hundred groups, and crosses the JIT threshold on that estimate.
create statistics control_execution_day_groups (ndistinct)
    on control_id, control_version, (cast(event_time at time zone 'UTC' as date)) from control_execution;

-- Every column that grouping reads, in the index: the period's executions are read from the index alone (an
-- index-only scan, once autovacuum has marked the pages all-visible) instead of from the table's wide rows.
create index control_execution_period on control_execution (event_time)
    include (control_id, control_version, result, late, backfilled, exemption_id, criteria);
-- the same for one control's executions of a period (the control page): replaces V1's (control_id, event_time)
create index control_execution_control_period on control_execution (control_id, event_time)
    include (control_version, result, late, backfilled, exemption_id, criteria);
drop index control_execution_control_time;

-- The findings a period's remediation figures read (opened before its end, not resolved before its start).
create index finding_period on finding (opened_at) include (control_id, resolved_at, sla_due_at);

analyze control_execution;
analyze finding;
