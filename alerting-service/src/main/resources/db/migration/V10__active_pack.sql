-- The pack the evaluation service runs, as its registry's "active" pointer on cw.packs.v1 last said: lets the
-- catalog say which controls are in force and which are retired (no longer in the running pack). One row.
create table active_pack (
    singleton     boolean     primary key default true check (singleton),
    pack          text        not null,
    pack_version  text        not null,
    origin        text,
    activated_by  text,
    activated_at  timestamptz not null,
    recorded_at   timestamptz not null default now()
);
