-- Every stored execution writes one entry per index of its table, in the storing transaction (issue 14: PostgreSQL
-- was the largest CPU cost per event). Two indexes here duplicated others.

-- The period index (V19) also orders by execution id, so the executions API's keyset pages (newest event first,
-- then id) read it backwards, and V4's (event_time desc, execution_id desc) is no longer needed beside it.
create index control_execution_period_id on control_execution (event_time, execution_id)
    include (control_id, control_version, result, late, backfilled, exemption_id, criteria);
drop index control_execution_period;
drop index control_execution_time_id;

-- V1's (event_time desc, execution_id) and V4's (event_time desc, execution_id desc) serve the same reads of
-- failures: keep V4's, which the keyset pages and the exports (read backwards) use.
drop index control_failure_event_time;
