-- The control-pack versions themselves (their YAML) and when each was activated, as the pack registry records them
-- on cw.packs.v1: an export carries the YAML of every pack version in force in its period (docs/auditors.md).
create table pack_version (
    pack_version  text        primary key,
    pack          text        not null,
    yaml          text        not null,
    recorded_at   timestamptz not null default now()
);
create table pack_activation (
    pack_version  text        not null,
    pack          text        not null,
    activated_at  timestamptz not null,
    activated_by  text,
    origin        text,
    primary key (pack_version, activated_at)
);
create index pack_activation_at on pack_activation (activated_at);
