-- GET /api/v1/executions and the keyset pages of failures: newest event first, and the filters a newcomer uses.
create index control_execution_time_id on control_execution (event_time desc, execution_id desc);
create index control_execution_subject_time on control_execution (subject, event_time desc);
create index control_execution_event_id on control_execution (event_id);
create index control_failure_time_id on control_failure (event_time desc, execution_id desc);
