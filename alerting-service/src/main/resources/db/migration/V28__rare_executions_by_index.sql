-- The executions API's filters for rare rows: ERROR executions (the events a control could not test, which an auditor
-- looks for first) and late ones. With no index of their own PostgreSQL walked the period index backwards through
-- every execution to find the few (50-65 ms at 350,923 executions when there were none; issue 14: a read whose cost
-- grows with history). Partial: only those rows have entries, so a PASS or FAIL execution costs the store a
-- comparison, not an index entry. In the order of the keyset pages (newest event first, then id).
create index control_execution_errors on control_execution (event_time desc, execution_id desc) where result = 'ERROR';
create index control_execution_late on control_execution (event_time desc, execution_id desc) where late;
