package io.controlwatch.engine.rule;

import java.time.Duration;
import java.util.List;

/**
 * An expected event must arrive for each key within an interval. Every arrival is a PASS; a key whose interval
 * ends without one is a FAIL at the deadline, once per silence however long it lasts; the next arrival resolves it.
 *
 * @param expect event types that count as the expected event ({@code *}: any event)
 * @param when   optional CEL filter on expected events (e.g. only successful backups)
 * @param key    CEL string: what must be heard from (e.g. {@code data.system}, {@code event.source})
 * @param within the interval
 * @param keys   keys expected even if never seen (their first interval starts when the control starts)
 * @param grace  how long after a deadline a late-arriving event still counts as on time
 * @param passOnArrival whether every arrival is recorded as a PASS (true: e.g. each backup is evidence); when
 *               false only failures and the arrivals that resolve them are recorded (e.g. "any event from this
 *               source" would otherwise double the evidence for nothing)
 * @param retireAfter how long a failed key stays expected: a key still silent this long after its failure was due
 *               (its missed deadline + grace) is retired, its state deleted, and its next event is a first sighting;
 *               null: expected forever. Declared {@code keys} are never retired.
 */
public record AbsenceRule(List<String> expect, String when, String key, Duration within, List<String> keys,
                          Duration grace, boolean passOnArrival, Duration retireAfter) implements Rule {

    @Override
    public List<String> eventTypes() {
        return expect;
    }

    @Override
    public String kind() {
        return "absence";
    }
}
