-- Findings: one problem of one control for one subject, derived from stored executions in the transaction that
-- stores them (EvidenceRecorder). Executions stay the evidence; a finding groups them and carries the lifecycle.

-- The exemption that covered a failure when it was recorded (null when none did): the failure is still evidence.
alter table control_execution add column exemption_id uuid;
alter table control_failure add column exemption_id uuid;

create table finding (
    finding_id            uuid primary key,
    control_id            text        not null,
    control_title         text        not null,
    subject               text,
    -- the subject or '' when the executions name none: the key of "one unresolved finding per (control, subject)"
    subject_key           text        not null,
    status                text        not null check (status in ('OPEN', 'ACKNOWLEDGED', 'RESOLVED', 'EXEMPTED')),
    severity              text        not null,
    criteria              text[]      not null,
    owner                 text,
    message               text,
    reason                text,
    opened_at             timestamptz not null,
    first_seen_at         timestamptz not null,
    last_seen_at          timestamptz not null,
    failure_count         bigint      not null,
    sla_due_at            timestamptz not null,
    sla_breached          boolean     not null default false,
    acknowledged_at       timestamptz,
    acknowledged_by       text,
    assignee              text,
    resolved_at           timestamptz,
    -- 'control' when a passing execution resolved it, else the subject of the token that did
    resolved_by           text,
    resolution_reason     text,
    resolving_execution_id uuid,
    previous_finding_id   uuid references finding (finding_id),
    exemption_id          uuid,
    -- a finding formed by backfilled history older than the notification age limit: recorded, never notified
    quiet                 boolean     not null default false,
    updated_at            timestamptz not null,
    version               bigint      not null default 0
);
-- at most one unresolved finding per (control, subject): a second opener loses with a unique violation
create unique index finding_unresolved on finding (control_id, subject_key) where status <> 'RESOLVED';
create index finding_opened on finding (opened_at desc, finding_id desc);
create index finding_status_opened on finding (status, opened_at desc, finding_id desc);
create index finding_control on finding (control_id, subject_key, opened_at desc);
create index finding_sla_due on finding (sla_due_at) where status in ('OPEN', 'ACKNOWLEDGED') and not sla_breached;

-- The executions a finding is made of: every failure attached to it and the passing execution that resolved it.
create table finding_evidence (
    finding_id    uuid        not null references finding (finding_id),
    execution_id  uuid        not null references control_execution (execution_id),
    result        text        not null,
    event_time    timestamptz not null,
    primary key (finding_id, execution_id)
);
create index finding_evidence_time on finding_evidence (finding_id, event_time desc);

-- Every change of a finding: who, when, from which state to which, and why.
create table finding_history (
    history_id    bigserial primary key,
    finding_id    uuid        not null references finding (finding_id),
    at            timestamptz not null,
    actor         text        not null,
    action        text        not null,
    from_status   text,
    to_status     text,
    comment       text
);
create index finding_history_finding on finding_history (finding_id, history_id);
