-- Every version of the notification config (receivers and routes) ever in force: who changed it, when, from where.
-- The document is kept whole (with its secrets: the API never returns them) so that any version can be restored.
create table notification_config (
    version     bigint primary key,
    document    text        not null,
    sha256      text        not null,
    origin      text        not null,
    changed_by  text        not null,
    changed_at  timestamptz not null
);
