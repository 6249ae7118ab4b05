package io.controlwatch.engine;

import io.controlwatch.model.ControlDefinition;
import io.controlwatch.model.Severity;

import java.util.List;

/**
 * One control of a pack, validated: what it tests (a CEL condition that is true when an event
 * <b>violates</b> the control), on which event types, and the metadata an auditor reads.
 *
 * @param version   content hash of this control's definition (changes when anything in it changes)
 * @param appliesTo CloudEvent types the control is evaluated on; other events yield no execution
 * @param subject   optional CEL expression naming who or what a result is about; defaults to the event's subject
 * @param violation CEL condition, true when the event violates the control
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
        List<String> appliesTo,
        String subject,
        String violation,
        int line) {

    /** The catalog entry published for this control. */
    public ControlDefinition toDefinition(ControlPack pack) {
        return new ControlDefinition(id, version, title, description, criteria, severity, owner, appliesTo,
                pack.name(), pack.version());
    }
}
