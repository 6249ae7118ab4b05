-- Every signed checkpoint is also published to the compacted topic cw.evidence-checkpoints.v1, a copy outside
-- PostgreSQL. The checkpoint row is its own outbox: published_at stays null until Kafka acknowledged the record, and
-- the relay publishes what is null, in sequence order. Checkpoints signed before this migration are published by the
-- first relay run.
alter table evidence_checkpoint add column published_at timestamptz;
create index evidence_checkpoint_unpublished on evidence_checkpoint (sequence) where published_at is null;
