-- Each stored batch loads, for every (control, subject) that fails in it, the newest resolved finding of that key, which
-- a new finding links to as its previous one (FindingRepository.LOAD). From (control_id, subject_key, opened_at desc)
-- PostgreSQL read every finding of the key, filtered out the unresolved ones and sorted the rest: a subject that
-- fails and passes again and again has one more resolved finding each time, so the cost of a failure grew with the
-- system's history (issue 14). On a database after four benchmark runs and the fault suite, 94 failing keys read
-- 142 findings each, and the load took 12.0-12.8 ms per batch. With the status in the key before the time, the
-- newest resolved finding is the first entry of its range: one row per key, 2.5-2.8 ms for the same batch
-- (BENCHMARKS.md, "The sixth round"). The findings API's filter by control still reads the leading control_id.
create index finding_control_status on finding (control_id, subject_key, status, opened_at desc);
drop index finding_control;
