package io.controlwatch.engine;

import io.controlwatch.engine.rule.Rule;
import io.controlwatch.model.ControlDefinition;
import io.controlwatch.model.Severity;

import java.util.List;

/**
 * One control of a pack, validated: what it tests ({@link #rule()}) and the metadata an auditor reads.
 *
 * @param version   content hash of this control's definition (changes when anything in it changes)
 * @param frequency how often the control is expected to operate (continuous, daily, …)
 * @param maturity  stable, incubating, sandbox or deprecated (as Falco grades its rules)
 * @param message   the message rendered for each failure, for people; null when the control declares none
 * @param line      line of the control in its pack file, for error messages
 */
public record Control(
        String id,
        String version,
        String title,
        String description,
        List<String> criteria,
        Severity severity,
        String owner,
        String frequency,
        String maturity,
        Rule rule,
        MessageTemplate message,
        int line) {

    /** CloudEvent types the control consumes; {@code *} means every type. */
    public List<String> appliesTo() {
        return rule.eventTypes();
    }

    /** The catalog entry published for this control. */
    public ControlDefinition toDefinition(ControlPack pack) {
        return new ControlDefinition(id, version, title, description, criteria, severity, owner, appliesTo(),
                pack.name(), pack.version());
    }
}
