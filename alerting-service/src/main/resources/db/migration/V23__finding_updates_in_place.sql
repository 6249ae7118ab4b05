-- A finding's row is rewritten by every failure that repeats it (last seen, count, version), in the storing
-- transaction (issue 14). Those columns are in no index, so PostgreSQL can update the row in place (a HOT update:
-- no entry in any of the table's indexes) if its page has room for the new version. With the default fillfactor of
-- 100 the pages are full: on a bench database 30 of 40,000 such updates were HOT, each of the others wrote an entry
-- into all seven indexes. With 70, 32,694 of 40,000 were, and the same updates took 426 ms instead of 1,157 ms
-- (BENCHMARKS.md, "The fifth round"). Pages written from now on keep the room; rows already stored keep their full
-- pages until the table is rewritten (docs/operations.md, "PostgreSQL: statistics and plans").
alter table finding set (fillfactor = 70);

-- The findings API's keyset pages (newest opened first, then id) read the period index backwards when it also
-- orders by id, as V20 did for executions: one index fewer to write per finding opened.
create index finding_period_id on finding (opened_at, finding_id) include (control_id, resolved_at, sla_due_at);
drop index finding_period;
drop index finding_opened;

analyze finding;
