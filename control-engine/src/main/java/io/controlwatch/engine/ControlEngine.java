package io.controlwatch.engine;

import io.controlwatch.engine.internal.CelSupport;
import io.controlwatch.engine.internal.CelSupport.Expression;
import io.controlwatch.engine.internal.EventActivation;
import io.controlwatch.engine.internal.Executions;
import io.controlwatch.engine.rule.AbsenceRule;
import io.controlwatch.engine.rule.CorrelationRule;
import io.controlwatch.engine.rule.EventRule;
import io.controlwatch.engine.rule.ThresholdRule;
import io.controlwatch.model.CloudEvent;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ExecutionResult;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tests events against the controls of one pack. Thread-safe and immutable: compile once, evaluate from any
 * number of threads. An event whose type no control applies to costs one map lookup and yields nothing.
 * <p>
 * Single-event controls are decided here, in {@link #evaluate}. For stateful controls (threshold, absence,
 * correlation) {@link #evaluate} only routes the event: it computes the control's key and hands back
 * {@link RoutedEvent}s, which {@link StatefulRuntime} folds into the state of that (control, key).
 */
public final class ControlEngine {

    /** What one event produced: decided executions, and events routed to stateful controls. */
    public record Evaluation(List<ControlExecution> executions, List<RoutedEvent> routed) {
    }

    /** One way an event can concern a control. */
    private record Route(Control control, String role, Expression when, Expression key, Expression distinct,
                         Expression violation, Expression subject) {
    }

    private final ControlPack pack;
    private final Map<String, List<Route>> routesByType;
    private final List<Route> routesForEveryType;

    private ControlEngine(ControlPack pack, Map<String, List<Route>> routesByType, List<Route> routesForEveryType) {
        this.pack = pack;
        this.routesByType = routesByType;
        this.routesForEveryType = routesForEveryType;
    }

    /** Compiles every control of a validated pack. */
    public static ControlEngine compile(ControlPack pack) {
        Map<String, List<Route>> byType = new HashMap<>();
        List<Route> everyType = new ArrayList<>();
        for (Control control : pack.controls()) {
            if (control.rule() instanceof EventRule r) {
                add(byType, everyType, r.on(), new Route(control, "event", CelSupport.condition(r.when()),
                        null, null, CelSupport.condition(r.violation()), CelSupport.string(r.subject())));
            } else if (control.rule() instanceof ThresholdRule r) {
                add(byType, everyType, r.on(), new Route(control, RoutedEvent.COUNT,
                        CelSupport.condition(r.when()), CelSupport.string(r.key()), CelSupport.string(r.distinct()), null, null));
            } else if (control.rule() instanceof AbsenceRule r) {
                add(byType, everyType, r.expect(), new Route(control, RoutedEvent.EXPECTED,
                        CelSupport.condition(r.when()), CelSupport.string(r.key()), null, null, null));
            } else if (control.rule() instanceof CorrelationRule r) {
                add(byType, everyType, r.first().on(), new Route(control, RoutedEvent.FIRST,
                        CelSupport.condition(r.first().when()), CelSupport.string(r.first().key()), null, null, null));
                add(byType, everyType, r.then().on(), new Route(control, RoutedEvent.THEN,
                        CelSupport.condition(r.then().when()), CelSupport.string(r.then().key()), null, null, null));
            }
        }
        byType.replaceAll((type, routes) -> List.copyOf(routes));
        return new ControlEngine(pack, Map.copyOf(byType), List.copyOf(everyType));
    }

    private static void add(Map<String, List<Route>> byType, List<Route> everyType, List<String> types, Route route) {
        for (String type : types) {
            if ("*".equals(type)) {
                everyType.add(route);
            } else {
                byType.computeIfAbsent(type, t -> new ArrayList<>()).add(route);
            }
        }
    }

    public ControlPack pack() {
        return pack;
    }

    /**
     * Tests one event. Never throws for a bad event: a CEL runtime error becomes an {@code ERROR} execution of that
     * control.
     *
     * @param ingestTime  when ControlWatch accepted the event
     * @param evaluatedAt when this evaluation happens
     */
    public Evaluation evaluate(CloudEvent event, Instant ingestTime, Instant evaluatedAt) {
        List<Route> typed = routesByType.get(event.type());
        if (typed == null && routesForEveryType.isEmpty()) {
            return new Evaluation(List.of(), List.of());
        }
        Map<String, Object> activation = EventActivation.of(event);
        EventRef ref = EventRef.of(event, ingestTime);
        List<ControlExecution> executions = new ArrayList<>(2);
        List<RoutedEvent> routed = new ArrayList<>(2);
        if (typed != null) {
            for (Route route : typed) {
                apply(route, event, ref, activation, evaluatedAt, executions, routed);
            }
        }
        for (Route route : routesForEveryType) {
            apply(route, event, ref, activation, evaluatedAt, executions, routed);
        }
        return new Evaluation(executions, routed);
    }

    private void apply(Route route, CloudEvent event, EventRef ref, Map<String, Object> activation, Instant evaluatedAt,
                       List<ControlExecution> executions, List<RoutedEvent> routed) {
        Control control = route.control();
        String subject = event.subject() != null && !event.subject().isBlank() ? event.subject() : event.source();
        try {
            if (route.when() != null && !route.when().test(activation)) {
                return; // not applicable: no execution
            }
            if (route.violation() != null) {
                if (route.subject() != null) {
                    subject = orDefault(route.subject().string(activation), subject);
                }
                boolean violated = route.violation().test(activation);
                // the message describes a deviation: rendered for failures only, never for a pass
                String message = violated && control.message() != null ? control.message().render(activation) : null;
                executions.add(Executions.forEvent(pack, control, ref, violated ? ExecutionResult.FAIL : ExecutionResult.PASS,
                        violated ? "violated: " + route.violation().text() : null, message, subject, evaluatedAt, false));
                return;
            }
            String key = route.key().string(activation);
            String distinct = route.distinct() == null ? null : route.distinct().string(activation);
            routed.add(new RoutedEvent(control.id(), control.version(), route.role(), key, distinct, ref));
        } catch (Exception e) {
            // A missing field or a type mismatch in one event must never stop evaluation of the others.
            // the reason names control, expression, value types and event, as the logs and the auditor see only it
            executions.add(Executions.forEvent(pack, control, ref, ExecutionResult.ERROR,
                    "evaluation error in control " + control.id() + " on event " + event.id() + ": " + e.getMessage(),
                    null, subject, evaluatedAt, false));
        }
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }
}
