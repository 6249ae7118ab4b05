-- Bundle retention (CW_EXPORTS_RETENTION): a bundle is deleted from disk some days after its export is done, and
-- the export is then EXPIRED (its download answers 410), with when.
alter table evidence_export drop constraint evidence_export_state_check;
alter table evidence_export add constraint evidence_export_state_check
    check (state in ('QUEUED', 'WAITING', 'RUNNING', 'DONE', 'FAILED', 'EXPIRED'));
alter table evidence_export add column expired_at timestamptz;
create index evidence_export_done on evidence_export (finished_at) where state = 'DONE';
