-- A finding's evidence links and history rows are written in the storing transaction, one per failure or change
-- (issue 14), and each table had two indexes led by finding_id: a primary key and the index its one read uses. Keyed
-- by what that read orders by, each needs one index, so every row written costs one index entry fewer.

-- The finding page reads the newest 100 links of a finding (event time, then execution id), backwards along this
-- key. An execution has one event time, so the key still admits each execution once per finding, as before.
alter table finding_evidence drop constraint finding_evidence_pkey;
alter table finding_evidence add primary key (finding_id, event_time, execution_id);
drop index finding_evidence_time;

-- A finding's history is read in the order it was written (history_id, from its sequence).
alter table finding_history drop constraint finding_history_pkey;
alter table finding_history add primary key (finding_id, history_id);
drop index finding_history_finding;
