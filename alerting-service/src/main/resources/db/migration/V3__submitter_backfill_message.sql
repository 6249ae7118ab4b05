-- Who submitted the event that decided an execution (the ingest client's token subject, or the registered source),
-- whether it was part of a backfill of its source's history, and the control's message rendered for people.
alter table control_execution
    add column submitter text,
    add column backfilled boolean not null default false,
    add column message text;
alter table control_failure
    add column submitter text,
    add column backfilled boolean not null default false,
    add column message text;
