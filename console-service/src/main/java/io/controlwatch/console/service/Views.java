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

    /** "day", "2 days", "6 hours", "30 minutes": an interval in a sentence ("at least once every day"). */
    public static String every(Duration d) {
        long s = d.getSeconds();
        if (s > 0 && s % 86400 == 0) {
            return s == 86400 ? "day" : s / 86400 + " days";
        }
        if (s > 0 && s % 3600 == 0) {
            return s == 3600 ? "hour" : s / 3600 + " hours";
        }
        return human(d);
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

    /**
     * One item of ingest's {@code GET /api/v1/sources} (docs/api.md, "Sources"): a registered source (id, kind, name)
     * or a CloudEvents source (its URI), with its {@code activity} as that ingest instance saw it since it started.
     */
    @TemplateData
    public record Source(String id, String kind, String name, String source, boolean disabled, Instant lastEventTime,
                         Instant lastIngestTime, long events, Double delayP50Seconds, Double delayP99Seconds,
                         boolean idle, boolean backfilling, String lastDelivery, String lastError, Instant now) {

        /** Sources that need a look first (disabled, idle), then by name. */
        public static final java.util.Comparator<Source> ORDER = java.util.Comparator
                .comparing((Source s) -> !(s.disabled || s.idle)).thenComparing(Source::label);

        public static Source of(JsonNode s) {
            JsonNode a = s.path("activity");
            JsonNode delivery = s.path("lastDelivery");
            JsonNode error = s.path("lastError");
            return new Source(text(s.get("id")), text(s.get("kind")), text(s.get("name")), text(s.get("source")),
                    s.path("disabled").asBoolean(), instant(a.get("lastEventTime")), instant(a.get("lastIngestTime")),
                    a.path("events").asLong(), number(a.get("delayP50Seconds")), number(a.get("delayP99Seconds")),
                    a.path("idle").asBoolean(), a.path("backfilling").asBoolean(),
                    delivery.isObject() ? text(delivery.get("outcome")) + " " + text(delivery.get("time")) : "",
                    error.isObject() ? text(error.get("reason")) : "", Instant.now());
        }

        private static Double number(JsonNode n) {
            return n == null || n.isNull() ? null : n.asDouble();
        }

        /** The registered source's name, or the CloudEvents source's URI. */
        public String label() {
            return name.isEmpty() ? source : name;
        }

        public String state() {
            if (disabled) {
                return "disabled";
            }
            if (lastEventTime == null && lastIngestTime == null) {
                return "no events yet";
            }
            return idle ? "idle" : backfilling ? "backfilling" : "live";
        }

        public String age() {
            return lastIngestTime == null ? "" : human(Duration.between(lastIngestTime, now));
        }

        /** Whole seconds: ingest's clock has nanoseconds nobody reads. */
        public Instant lastStored() {
            return lastIngestTime == null ? null : lastIngestTime.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        }

        public String p50() {
            return seconds(delayP50Seconds);
        }

        public String p99() {
            return seconds(delayP99Seconds);
        }

        /** "2.4s" under ten seconds, "4m" above; "–" when the last hour held no event with a time. */
        static String seconds(Double s) {
            if (s == null) {
                return "–";
            }
            if (s < 10) {
                return String.format(java.util.Locale.ROOT, "%.1fs", s);
            }
            return human(Duration.ofMillis(Math.round(s * 1000)));
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
