-- Who read the evidence (docs/auditors.md, "The access log"): every authenticated read of the API (and every export
-- request), with who, what, when, the period asked for and the rows answered. Written in batches by the instance
-- that served the request; read by time, newest first, in keyset pages, and exported in bundles by access time.
create table access_log (
    access_id   uuid        primary key,
    at          timestamptz not null,             -- when the answer was sent
    principal   text        not null,             -- the token's subject
    roles       text[]      not null default '{}',
    method      text        not null,
    route       text        not null,             -- the path template, e.g. /api/v1/exports/{id}/bundle
    path        text        not null,             -- the path as requested
    query       text,                             -- the query string as requested (at most 2000 characters)
    period_from timestamptz,                      -- the period asked for, when the request names one
    period_to   timestamptz,
    status      integer     not null,             -- the HTTP status answered
    row_count   bigint                            -- the rows answered, where the resource knows it
);
create index access_log_at on access_log (at desc, access_id desc);
create index access_log_principal_at on access_log (principal, at desc, access_id desc);
