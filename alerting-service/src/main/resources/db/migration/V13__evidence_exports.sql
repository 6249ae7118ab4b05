-- Export bundles of a period (docs/auditors.md, "Pulling a period"): the request, its progress and where its ZIP
-- lies. An export runs on the instance that accepted it and beats (updated_at) while it runs; one that stops beating
-- (the instance stopped) is marked FAILED, never left RUNNING.
create table evidence_export (
    export_id     uuid        primary key,
    state         text        not null check (state in ('QUEUED', 'RUNNING', 'DONE', 'FAILED')),
    period_from   timestamptz not null,
    period_to     timestamptz not null,
    controls      text[]      not null default '{}', -- the scope as asked; empty: all controls
    criteria      text[]      not null default '{}',
    scope         text[]      not null default '{}', -- the controls the scope resolved to; empty: all controls
    requested_by  text        not null,
    requested_at  timestamptz not null,
    started_at    timestamptz,
    finished_at   timestamptz,
    updated_at    timestamptz not null,
    rows_total    bigint,
    rows_written  bigint      not null default 0,
    bundle_file   text,
    bundle_bytes  bigint,
    bundle_sha256 text,
    manifest      jsonb,
    error         text
);
create index evidence_export_requested on evidence_export (requested_at desc, export_id desc);
create index evidence_export_unfinished on evidence_export (updated_at) where state in ('QUEUED', 'RUNNING');
