-- An export waiting for the signed checkpoint that closes its period no longer holds an export thread: it is
-- WAITING (visible in GET /api/v1/exports/{id}) and looked at again every second, while other exports run.
alter table evidence_export drop constraint evidence_export_state_check;
alter table evidence_export add constraint evidence_export_state_check
    check (state in ('QUEUED', 'WAITING', 'RUNNING', 'DONE', 'FAILED'));
drop index evidence_export_unfinished;
create index evidence_export_unfinished on evidence_export (updated_at) where state in ('QUEUED', 'WAITING', 'RUNNING');
