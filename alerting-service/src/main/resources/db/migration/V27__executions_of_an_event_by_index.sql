-- GET /api/v1/executions?eventId=X answers the executions an event decided (event_id) or is evidence of
-- (evidence_event_ids: a window's events, a correlation's pair). The evidence half was a LIKE on the JSON text, which
-- no index can serve, and as one OR with the other half it made PostgreSQL read every execution ever stored for each
-- lookup: 196 ms at 350,923 executions, growing with history (issue 14: cost must not grow with how long the system
-- has run). The service now looks the ids up first, each half by an index, then pages through those rows.
--
-- Most executions' evidence is their deciding event alone (single-event controls), which event_id's index (V4)
-- finds: only the rest is indexed here, 2.5 % of the executions under bench/run.sh. The predicate is text, so that
-- deciding which rows the index holds costs a comparison, not a JSON parse, per stored execution (an id that JSON
-- escapes, with a quote or a backslash, is indexed too, which is harmless). The index holds the evidence beyond the
-- deciding event, as jsonb, for containment (@>).
create index control_execution_evidence_events on control_execution
    using gin ((cast(evidence_event_ids as jsonb) - event_id) jsonb_path_ops)
    where evidence_event_ids <> '[]' and evidence_event_ids <> ('["' || event_id || '"]');
