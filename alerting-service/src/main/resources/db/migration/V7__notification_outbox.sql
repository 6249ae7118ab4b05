-- The transactional outbox of notifications: a row is written in the transaction of the change that causes it, and
-- delivered at least once by any dispatcher (FOR UPDATE SKIP LOCKED), every attempt kept.
create table notification (
    notification_id  uuid primary key,
    -- the receiver's name in the notification config, or 'audit-events' for the audit CloudEvents on cw.events.v1
    receiver         text        not null,
    receiver_kind    text        not null,
    event_type       text        not null,
    -- route path + the values of the route's groupBy labels: findings of one group share one notification
    group_key        text        not null,
    status           text        not null check (status in ('PENDING', 'SENDING', 'DELIVERED', 'DEAD')),
    created_at       timestamptz not null,
    next_attempt_at  timestamptz not null,
    attempts         integer     not null default 0,
    -- after a failed attempt past this time the notification is DEAD (created + the age limit; a manual retry
    -- gives it the age limit again)
    dead_after       timestamptz not null,
    retried_by       text,
    retried_at       timestamptz,
    lease_until      timestamptz,
    delivered_at     timestamptz,
    last_error       text,
    exemption_id     uuid,
    config_version   bigint      not null,
    -- what is sent, frozen at the first attempt so that every retry repeats the same content under the same key
    payload          jsonb,
    -- e.g. the audit event of a config change
    data             jsonb,
    updated_at       timestamptz not null
);
create index notification_due on notification (next_attempt_at) where status in ('PENDING', 'SENDING');
create index notification_pending_group on notification (receiver, group_key) where status = 'PENDING' and attempts = 0;
create index notification_created on notification (created_at desc, notification_id desc);
create index notification_status on notification (status, created_at desc, notification_id desc);

create table notification_finding (
    notification_id uuid not null references notification (notification_id),
    finding_id      uuid not null references finding (finding_id),
    primary key (notification_id, finding_id)
);
create index notification_finding_finding on notification_finding (finding_id);

create table notification_attempt (
    notification_id uuid        not null references notification (notification_id),
    attempt         integer     not null,
    at              timestamptz not null,
    status_code     integer,
    latency_ms      bigint      not null,
    outcome         text        not null,
    error           text,
    primary key (notification_id, attempt)
);
