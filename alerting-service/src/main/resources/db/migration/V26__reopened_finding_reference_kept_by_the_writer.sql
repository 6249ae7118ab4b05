-- V22 kept finding.previous_finding_id's foreign key as "written at human pace". It is not: a failure after its
-- finding was resolved opens a new finding linked to the resolved one, in the storing transaction, and a subject
-- that fails and passes again and again does so at the pace of its events. Under bench/run.sh the key's check (a
-- SELECT ... FOR KEY SHARE of the previous finding per reopened one, planned and run through SPI) was 4.1 % of
-- PostgreSQL's CPU (bench/profile.sh's PostgreSQL table; BENCHMARKS.md, "The tenth round").
--
-- What the key guaranteed still holds without it, for V22's reasons: the recorder links only to the finding it read,
-- under lock, in the same transaction (FindingRepository's last_resolved), and no finding is ever deleted or has its
-- id changed. NotificationIT checks that no reopened finding points at nothing.
alter table finding drop constraint finding_previous_finding_id_fkey;
