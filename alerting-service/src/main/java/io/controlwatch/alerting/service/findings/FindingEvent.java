package io.controlwatch.alerting.service.findings;

/**
 * A change of a finding that people may have to be told of: the CloudEvents type suffix
 * ({@code controlwatch.finding.<type>}) and the finding as the change left it.
 */
public record FindingEvent(String type, Finding finding) {

    public static final String OPENED = "opened";
    public static final String ACKNOWLEDGED = "acknowledged";
    public static final String RESOLVED = "resolved";
    public static final String REMINDER = "reminder";
    public static final String ESCALATED = "escalated";
    public static final String EXEMPTED = "exempted";

    public String cloudEventType() {
        return "controlwatch.finding." + type;
    }
}
