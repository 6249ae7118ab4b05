-- The evidence hash chain (docs/auditors.md, "The integrity guarantee"): every execution stored from now on gets its
-- place in its executions-topic partition's chain (partition, offset), the SHA-256 of its canonical encoding and the
-- chain head after it, written in the transaction that stores the row. Rows stored before this migration keep NULLs:
-- they are not chained (docs/auditors.md says so) and an export shows them as unchained.
alter table control_execution
    add column severity        text,
    add column chain_partition integer,
    add column chain_offset    bigint,
    add column row_digest      bytea,
    add column chain_head      bytea;
-- one row per chain position: a redelivered execution can never take a second link
alter table control_execution
    add constraint control_execution_chain_position unique (chain_partition, chain_offset);

-- Where each partition's chain stands; locked (FOR UPDATE) by the transaction that appends to it, so two instances
-- that briefly share a partition during a rebalance append one after the other, never from the same head.
create table evidence_chain_head (
    chain_partition integer     primary key,
    chain_offset    bigint      not null,
    row_count       bigint      not null,
    head            bytea       not null,
    max_event_time  timestamptz not null,
    updated_at      timestamptz not null default now()
);

-- Signed checkpoints of every chain head (cw-checkpoint-1), one per sequence number. The body is the signed
-- checkpoint's JSON form; verification re-encodes it canonically, so jsonb's own key order does not matter.
create table evidence_checkpoint (
    sequence    bigint      primary key,
    key_id      text        not null,
    created_at  timestamptz not null,
    body        jsonb       not null,
    recorded_at timestamptz not null default now()
);
