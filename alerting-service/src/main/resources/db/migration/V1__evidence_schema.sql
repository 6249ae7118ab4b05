-- Evidence store of ControlWatch. Executions are append-only audit evidence: one row per execution id,
-- whatever the number of deliveries (primary key + ON CONFLICT DO NOTHING on insert).

-- The control catalog, with running counts kept in the same transaction as the executions they count.
create table control (
    control_id      text primary key,
    version         text        not null,
    title           text        not null,
    description     text,
    criteria        text        not null, -- comma-separated TSC criteria, e.g. 'CC6.1,CC7.2'
    severity        text        not null,
    owner           text,
    pack            text,
    pack_version    text,
    executions      bigint      not null default 0,
    passes          bigint      not null default 0,
    failures        bigint      not null default 0,
    errors          bigint      not null default 0,
    last_executed_at timestamptz,
    updated_at      timestamptz not null
);

create table control_execution (
    execution_id    uuid primary key,
    control_id      text        not null,
    control_version text        not null,
    criteria        text        not null,
    result          text        not null check (result in ('PASS', 'FAIL', 'ERROR')),
    reason          text,
    subject         text,
    event_id        text        not null,
    event_source    text        not null,
    event_type      text        not null,
    event_time      timestamptz not null,
    ingest_time     timestamptz not null,
    evaluated_at    timestamptz not null,
    recorded_at     timestamptz not null default now(),
    pack            text,
    pack_version    text
);
-- auditor queries: a control's population over a period
create index control_execution_control_time on control_execution (control_id, event_time);

-- One failure per failed execution: the exception an auditor counts, and (later) its lifecycle.
create table control_failure (
    execution_id    uuid primary key references control_execution (execution_id),
    control_id      text        not null,
    control_version text        not null,
    control_title   text        not null,
    criteria        text        not null,
    severity        text        not null,
    reason          text,
    subject         text,
    event_id        text        not null,
    event_source    text        not null,
    event_type      text        not null,
    event_time      timestamptz not null,
    detected_at     timestamptz not null,
    recorded_at     timestamptz not null default now(),
    status          text        not null default 'OPEN'
);
create index control_failure_event_time on control_failure (event_time desc, execution_id);
create index control_failure_control on control_failure (control_id, event_time desc);
create index control_failure_subject on control_failure (subject, event_time desc);
