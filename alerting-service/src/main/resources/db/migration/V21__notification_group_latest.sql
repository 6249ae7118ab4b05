-- Each stored batch that opens or changes findings asks, per (receiver, group, event type) it notifies, when that
-- group was last notified (OutboxRepository GROUPS, for group_interval). Without an index on the group, that was a
-- scan of every notification ever written, in the storing transaction: a cost that grows with history, and one of
-- the reasons the storing of failures slowed down while notifications flowed (issue 14, latency run).
create index notification_group_latest on notification (receiver, group_key, event_type, created_at desc);
