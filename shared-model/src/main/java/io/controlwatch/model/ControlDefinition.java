package io.controlwatch.model;

import java.util.List;

/**
 * What the catalog knows of a control: published by the evaluation service on {@link Topics#CONTROLS} for every
 * control of the pack it runs, so that controls without any execution yet are visible too.
 *
 * @param id         stable control id, e.g. {@code cc6.1-console-login-mfa}
 * @param version    content hash of the control's definition; changes whenever its rule or metadata change
 * @param title      one line a person reads on a dashboard
 * @param criteria   Trust Services Criteria the control supports, e.g. {@code CC6.1}
 * @param eventTypes CloudEvent types the control applies to
 * @param pack       name of the control pack the control belongs to
 * @param packVersion content hash of the whole pack
 */
public record ControlDefinition(
        String id,
        String version,
        String title,
        String description,
        List<String> criteria,
        Severity severity,
        String owner,
        List<String> eventTypes,
        String pack,
        String packVersion) {
}
