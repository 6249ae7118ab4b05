-- Which receivers were told of a finding and when to remind them (repeatInterval, while unacknowledged), and
-- whether its SLA breach was escalated: the sweeper's work list.
create table finding_receiver (
    finding_id        uuid        not null references finding (finding_id),
    receiver          text        not null,
    group_key         text        not null,
    last_notified_at  timestamptz not null,
    next_reminder_at  timestamptz,
    primary key (finding_id, receiver)
);
create index finding_receiver_reminder on finding_receiver (next_reminder_at) where next_reminder_at is not null;
