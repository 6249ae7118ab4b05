-- Foreign keys on the rows the storing transaction writes per execution or per notification cost more than the rows
-- (issue 14). Each checks its referenced row with a SELECT ... FOR KEY SHARE, which also locks that row: a page write
-- and a WAL record in control_execution or finding for every failure, evidence link and history entry. Measured on
-- 175,723 finding_evidence rows (the same rows, a copy of the table with and without its two keys): 4.0-4.3 s with
-- them, 0.73-0.78 s without. Under bench/run.sh the finding_evidence, finding_history and failure inserts were 40 %
-- of PostgreSQL's statement time.
--
-- What the keys guaranteed still holds without them: every row below is written by the same transaction as the row
-- it points at, or after it (EvidenceRecorder, OutboxRepository), and no row of these tables or of the tables they
-- point at is ever deleted or has its key changed (evidence is append-only; the evidence chain shows any change made
-- behind the service's back). NotificationIT checks that no row points at nothing.
-- The keys written at human pace stay: finding.previous_finding_id, exemption_history.
alter table control_failure drop constraint control_failure_execution_id_fkey;
alter table finding_evidence drop constraint finding_evidence_finding_id_fkey;
alter table finding_evidence drop constraint finding_evidence_execution_id_fkey;
alter table finding_history drop constraint finding_history_finding_id_fkey;
alter table finding_receiver drop constraint finding_receiver_finding_id_fkey;
alter table notification_finding drop constraint notification_finding_finding_id_fkey;
alter table notification_finding drop constraint notification_finding_notification_id_fkey;
alter table notification_attempt drop constraint notification_attempt_notification_id_fkey;
