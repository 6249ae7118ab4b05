package io.controlwatch.console.service;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.qute.TemplateData;

/** What the pages show, mapped from the API's JSON (only the fields a page reads). */
public final class Views {

    private Views() {
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(x -> out.add(x.asText()));
        return out;
    }

    static Instant instant(JsonNode node) {
        return node == null || node.isNull() || node.asText().isEmpty() ? null : Instant.parse(node.asText());
    }

    static String text(JsonNode node) {
        return node == null || node.isNull() ? "" : node.asText();
    }

    /** "3d 4h", "25m", "12s": how people read an age or a countdown. */
    public static String human(Duration d) {
        long s = Math.abs(d.getSeconds());
        String sign = d.isNegative() ? "-" : "";
        if (s >= 86400) {
            return sign + s / 86400 + "d " + (s % 86400) / 3600 + "h";
        }
        if (s >= 3600) {
            return sign + s / 3600 + "h " + (s % 3600) / 60 + "m";
        }
        if (s >= 60) {
            return sign + s / 60 + "m";
        }
        return sign + s + "s";
    }

    static int severityRank(String severity) {
        return switch (severity) {
            case "critical" -> 0;
            case "high" -> 1;
            case "medium" -> 2;
            case "low" -> 3;
            default -> 4;
        };
    }

    @TemplateData
    public record Finding(String findingId, String controlId, String controlTitle, String subject, String status,
                          String severity, List<String> criteria, String owner, String assignee, String summary,
                          Instant openedAt, Instant slaDueAt, boolean slaBreached, int failureCount,
                          String acknowledgedBy, Instant now) {

        public static Finding of(JsonNode f, Instant now) {
            return new Finding(text(f.get("findingId")), text(f.get("controlId")), text(f.get("controlTitle")),
                    text(f.get("subject")), text(f.get("status")), text(f.get("severity")), strings(f.path("criteria")),
                    text(f.get("owner")), text(f.get("assignee")), text(f.get("summary")), instant(f.get("openedAt")),
                    instant(f.get("slaDueAt")), f.path("slaBreached").asBoolean(), f.path("failureCount").asInt(),
                    text(f.get("acknowledgedBy")), now);
        }

        public String age() {
            return openedAt == null ? "" : human(Duration.between(openedAt, now));
        }

        /** Time left until the SLA falls due; "breached 2h" once past. */
        public String slaLeft() {
            if (slaDueAt == null) {
                return "no SLA";
            }
            Duration left = Duration.between(now, slaDueAt);
            return left.isNegative() || slaBreached ? "breached " + human(left.negated()) : human(left);
        }

        public boolean open() {
            return status.equals("OPEN") || status.equals("ACKNOWLEDGED");
        }

        public boolean acknowledgeable() {
            return status.equals("OPEN");
        }

        public int rank() {
            return severityRank(severity);
        }
    }

    @TemplateData
    public record HistoryEntry(Instant at, String actor, String action, String comment) {
    }

    @TemplateData
    public record Execution(String executionId, String result, String subject, String eventId, String eventSource,
                            String eventType, Instant eventTime, Instant recordedAt, List<String> evidenceEventIds,
                            String summary, String controlId) {

        public static Execution of(JsonNode e) {
            String message = text(e.get("message"));
            return new Execution(text(e.get("executionId")), text(e.get("result")), text(e.get("subject")),
                    text(e.get("eventId")), text(e.get("eventSource")), text(e.get("eventType")),
                    instant(e.get("eventTime")), instant(e.get("recordedAt")), strings(e.path("evidenceEventIds")),
                    message.isEmpty() ? text(e.get("reason")) : message, text(e.get("controlId")));
        }
    }

    @TemplateData
    public record Version(String version, Instant first, Instant last, long executions) {
    }

    /** One control's operation over a period, from the operating-effectiveness report. */
    @TemplateData
    public record ControlPeriod(String controlId, String title, String description, List<String> criteria,
                                String owner, String severity, String status, long population, long passes,
                                long failures, long errors, long exempted, long findingsOpenAtEnd,
                                List<String> exemptions, List<Version> versions, String exceptionRate) {

        public static ControlPeriod of(JsonNode c) {
            List<Version> versions = new ArrayList<>();
            for (JsonNode v : c.path("versions")) {
                versions.add(new Version(text(v.get("version")), instant(v.get("firstExecutionAt")),
                        instant(v.get("lastExecutionAt")), v.path("executions").asLong()));
            }
            return new ControlPeriod(text(c.get("controlId")), text(c.get("title")), text(c.get("description")),
                    strings(c.path("criteria")), text(c.get("owner")), text(c.get("severity")), text(c.get("status")),
                    c.path("population").asLong(), c.path("passes").asLong(), c.path("failures").asLong(),
                    c.path("errors").asLong(), c.path("exempted").asLong(), c.path("findingsOpenAtEnd").asLong(),
                    strings(c.path("exemptions")), versions, text(c.get("exceptionRate")));
        }

        /** The event time of the control's last execution in the period (the latest of its versions'), or null. */
        public Instant lastExecutionAt() {
            Instant last = null;
            for (Version v : versions) {
                if (v.last() != null && (last == null || v.last().isAfter(last))) {
                    last = v.last();
                }
            }
            return last;
        }
    }
}
