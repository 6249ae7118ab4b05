package io.controlwatch.alerting.service.findings;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Derives findings from newly stored executions, in their order, on a given clock time. Pure: the recorder loads
 * the state, applies this and writes the outcome in the transaction that stores the executions, so a replayed
 * execution (not new, so never given to this) can never change a finding twice.
 * <ul>
 *   <li>a FAIL of (control, subject) without an unresolved finding opens one (linked to the previous, resolved one,
 *   if any); a FAIL with one attaches to it (count, last seen, evidence);</li>
 *   <li>a FAIL covered by an active exemption opens or keeps its finding EXEMPTED: nobody is paged; a FAIL not covered
 *   while the finding is EXEMPTED (the exemption ended) opens it again and pages;</li>
 *   <li>a PASS resolves the unresolved finding (resolvedBy {@code control}, the passing execution as evidence);</li>
 *   <li>ERROR results change nothing.</li>
 * </ul>
 */
public final class FindingLifecycle {

    /** What the lifecycle starts from: the unresolved finding per subject key, the last resolved one's id. */
    public record State(Map<Key, Finding> unresolved, Map<Key, String> lastResolved, Map<String, String> owners) {
    }

    /** (control, subject key). */
    public record Key(String controlId, String subjectKey) {
    }

    /** Everything that changes: the findings' final states, history, evidence and events, in order. */
    public record Outcome(List<Finding> findings, List<HistoryEntry> history, List<Evidence> evidence,
                          List<FindingEvent> events) {
        public boolean isEmpty() {
            return findings.isEmpty();
        }
    }

    public static final String ACTOR_CONTROL = "control";

    private final SlaPolicy sla;
    private final Supplier<String> ids;

    public FindingLifecycle(SlaPolicy sla) {
        this(sla, () -> UUID.randomUUID().toString());
    }

    /** With chosen finding ids, for tests. */
    public FindingLifecycle(SlaPolicy sla, Supplier<String> ids) {
        this.sla = sla;
        this.ids = ids;
    }

    public Outcome apply(State state, List<ExecutionFact> facts, Instant now) {
        Map<Key, Finding> unresolved = new HashMap<>(state.unresolved());
        Map<Key, String> lastResolved = new HashMap<>(state.lastResolved());
        Map<String, Finding> changed = new LinkedHashMap<>();
        List<HistoryEntry> history = new ArrayList<>();
        List<Evidence> evidence = new ArrayList<>();
        List<FindingEvent> events = new ArrayList<>();
        for (ExecutionFact fact : facts) {
            if (!"FAIL".equals(fact.result()) && !"PASS".equals(fact.result())) {
                continue;
            }
            Key key = new Key(fact.controlId(), Finding.keyOf(fact.subject()));
            Finding current = unresolved.get(key);
            Finding next;
            if ("PASS".equals(fact.result())) {
                if (current == null) {
                    continue;
                }
                next = current.resolved(ACTOR_CONTROL, "the control passed again", fact.executionId(), now);
                history.add(new HistoryEntry(next.findingId(), now, ACTOR_CONTROL, "resolved", current.status(),
                        Finding.RESOLVED, "execution " + fact.executionId() + " passed"));
                evidence.add(new Evidence(next.findingId(), fact.executionId(), "PASS", fact.eventTime()));
                if (!next.quiet()) {
                    events.add(new FindingEvent(FindingEvent.RESOLVED, next));
                }
                unresolved.remove(key);
                lastResolved.put(key, next.findingId());
            } else {
                boolean quiet = sla.quiet(fact, now);
                if (current == null) {
                    next = open(fact, key, lastResolved.get(key), state.owners().get(fact.controlId()), quiet, now);
                    history.add(new HistoryEntry(next.findingId(), now, ACTOR_CONTROL, "opened", null, next.status(),
                            fact.exemptionId() == null ? "execution " + fact.executionId() + " failed"
                                    : "execution " + fact.executionId() + " failed, covered by exemption " + fact.exemptionId()));
                    if (!next.quiet() && fact.exemptionId() == null) {
                        events.add(new FindingEvent(FindingEvent.OPENED, next));
                    }
                } else {
                    next = current.attach(fact.eventTime(), fact.message(), fact.reason(), quiet, now);
                    if (fact.exemptionId() != null && !Finding.EXEMPTED.equals(current.status())) {
                        next = next.exempted(fact.exemptionId(), now);
                        history.add(new HistoryEntry(next.findingId(), now, ACTOR_CONTROL, "exempted", current.status(),
                                Finding.EXEMPTED, "covered by exemption " + fact.exemptionId()));
                        if (!next.quiet()) {
                            events.add(new FindingEvent(FindingEvent.EXEMPTED, next));
                        }
                    } else if (fact.exemptionId() == null && Finding.EXEMPTED.equals(current.status())) {
                        next = next.reopened(now, sla.dueAt(next.severity(), now));
                        history.add(new HistoryEntry(next.findingId(), now, ACTOR_CONTROL, "reopened", Finding.EXEMPTED,
                                Finding.OPEN, "execution " + fact.executionId() + " failed and no exemption covers it any more"));
                        if (!next.quiet()) {
                            events.add(new FindingEvent(FindingEvent.OPENED, next));
                        }
                    } else if (current.quiet() && !next.quiet() && !Finding.EXEMPTED.equals(next.status())) {
                        // a fresh failure on a finding only backfilled history had formed: now people must know
                        history.add(new HistoryEntry(next.findingId(), now, ACTOR_CONTROL, "fresh-failure",
                                current.status(), next.status(), "execution " + fact.executionId() + " is recent"));
                        events.add(new FindingEvent(FindingEvent.OPENED, next));
                    }
                }
                evidence.add(new Evidence(next.findingId(), fact.executionId(), "FAIL", fact.eventTime()));
                unresolved.put(key, next);
            }
            changed.put(next.findingId(), next);
        }
        return new Outcome(List.copyOf(changed.values()), history, evidence, events);
    }

    private Finding open(ExecutionFact fact, Key key, String previous, String owner, boolean quiet, Instant now) {
        String status = fact.exemptionId() != null ? Finding.EXEMPTED : Finding.OPEN;
        return new Finding(ids.get(), fact.controlId(), fact.controlTitle(), fact.subject(), key.subjectKey(), status,
                fact.severity(), fact.criteria(), owner, fact.message(), fact.reason(), now, fact.eventTime(),
                fact.eventTime(), 1, sla.dueAt(fact.severity(), now), false, null, null, null, null, null, null, null,
                previous, fact.exemptionId(), quiet, now, 0);
    }
}
