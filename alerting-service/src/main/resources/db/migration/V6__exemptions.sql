-- Governed exemptions: requested with a reason and an expiry, approved by another person, revocable, expiring.
create table exemption (
    exemption_id     uuid primary key,
    control_id       text        not null,
    -- an exact subject or a glob ('*' any characters, '?' one character)
    subject_pattern  text        not null,
    reason           text        not null,
    status           text        not null check (status in ('PENDING', 'ACTIVE', 'REJECTED', 'REVOKED', 'EXPIRED')),
    requested_by     text        not null,
    requested_at     timestamptz not null,
    expires_at       timestamptz not null,
    decided_by       text,
    decided_at       timestamptz,
    decision_comment text,
    ended_by         text,
    ended_at         timestamptz,
    updated_at       timestamptz not null,
    check (decided_by is null or decided_by <> requested_by)
);
create index exemption_active on exemption (control_id) where status = 'ACTIVE';
create index exemption_expiry on exemption (expires_at) where status = 'ACTIVE';
create index exemption_requested on exemption (requested_at desc, exemption_id desc);

create table exemption_history (
    history_id    bigserial primary key,
    exemption_id  uuid        not null references exemption (exemption_id),
    at            timestamptz not null,
    actor         text        not null,
    action        text        not null,
    from_status   text,
    to_status     text,
    comment       text
);
create index exemption_history_exemption on exemption_history (exemption_id, history_id);
