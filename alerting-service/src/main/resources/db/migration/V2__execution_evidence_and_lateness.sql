-- Which events decided an execution (a window's events, a correlation's pair), and whether it records an
-- event that came after its window or deadline had been decided.
alter table control_execution
    add column evidence_event_ids text not null default '[]', -- JSON array of event ids
    add column late boolean not null default false;
alter table control_failure
    add column evidence_event_ids text not null default '[]';
