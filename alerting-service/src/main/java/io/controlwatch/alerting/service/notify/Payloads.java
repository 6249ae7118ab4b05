package io.controlwatch.alerting.service.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.alerting.persistence.NativeSql;
import io.controlwatch.alerting.persistence.OutboxRepository.NotificationRow;
import io.controlwatch.alerting.service.routing.NotificationConfig;
import io.controlwatch.alerting.service.routing.Receiver;
import io.quarkus.qute.Template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What each kind of receiver is sent, built once at a notification's first attempt and frozen, so every retry
 * repeats the same bytes under the same idempotency key. Findings are the rows of table {@code finding} (snake_case).
 */
public final class Payloads {

    public static final String SOURCE = NotificationConfigs.SOURCE;

    private Payloads() {
    }

    public static JsonNode build(NotificationRow n, Receiver receiver, List<JsonNode> findings, NotificationConfig config,
                                 Template text, Template html) {
        if (receiver instanceof Receiver.Webhook) {
            return body(cloudEvent(n, findings, config).toString());
        }
        if (receiver instanceof Receiver.Slack) {
            return body(slack(n, findings, config).toString());
        }
        if (receiver instanceof Receiver.PagerDuty p) {
            return pagerDuty(n, p, findings, config);
        }
        return email(n, (Receiver.Email) receiver, findings, config, text, html);
    }

    static ObjectNode body(String body) {
        ObjectNode payload = NativeSql.json().createObjectNode();
        payload.put("body", body);
        return payload;
    }

    /** The body of a webhook: a CloudEvent whose id is the notification id (the {@code webhook-id}). */
    public static ObjectNode cloudEvent(NotificationRow n, List<JsonNode> findings, NotificationConfig config) {
        ObjectNode event = NativeSql.json().createObjectNode();
        event.put("specversion", "1.0");
        event.put("id", n.notificationId());
        event.put("source", SOURCE);
        event.put("type", n.eventType());
        event.put("time", n.createdAt().toString());
        event.put("datacontenttype", "application/json");
        if (n.data() != null && !n.data().isNull()) {
            event.put("subject", n.data().path("exemptionId").asText(n.groupKey()));
            event.set("data", n.data());
            return event;
        }
        event.put("subject", findings.isEmpty() ? n.groupKey() : findings.get(0).path("finding_id").asText());
        ObjectNode data = event.putObject("data");
        data.put("groupKey", n.groupKey());
        data.put("count", findings.size());
        ArrayNode list = data.putArray("findings");
        for (JsonNode f : findings) {
            list.add(view(f, config));
        }
        return event;
    }

    /** A finding as messages show it (camelCase, with its link and a summary: the message, else the reason). */
    public static ObjectNode view(JsonNode f, NotificationConfig config) {
        ObjectNode v = NativeSql.json().createObjectNode();
        String id = f.path("finding_id").asText();
        v.put("findingId", id);
        v.put("controlId", f.path("control_id").asText());
        v.put("controlTitle", f.path("control_title").asText());
        v.put("subject", text(f, "subject"));
        v.put("status", f.path("status").asText());
        v.put("severity", f.path("severity").asText());
        v.set("criteria", f.path("criteria"));
        v.put("owner", text(f, "owner"));
        v.put("summary", summary(f));
        v.put("message", text(f, "message"));
        v.put("reason", text(f, "reason"));
        v.put("failureCount", f.path("failure_count").asLong());
        v.put("openedAt", text(f, "opened_at"));
        v.put("lastSeenAt", text(f, "last_seen_at"));
        v.put("slaDueAt", text(f, "sla_due_at"));
        v.put("slaBreached", f.path("sla_breached").asBoolean());
        v.put("acknowledgedBy", text(f, "acknowledged_by"));
        v.put("resolvedBy", text(f, "resolved_by"));
        v.put("exemptionId", text(f, "exemption_id"));
        v.put("previousFindingId", text(f, "previous_finding_id"));
        v.put("link", config.linkTo(id));
        return v;
    }

    /** What people read of a failure: the control's message, falling back to the reason. */
    public static String summary(JsonNode f) {
        String message = text(f, "message");
        return message != null ? message : text(f, "reason");
    }

    static ObjectNode slack(NotificationRow n, List<JsonNode> findings, NotificationConfig config) {
        ObjectNode message = NativeSql.json().createObjectNode();
        String headline = headline(n, findings);
        message.put("text", headline);
        ArrayNode blocks = message.putArray("blocks");
        blocks.addObject().put("type", "header").putObject("text").put("type", "plain_text").put("text", cut(headline, 150));
        if (n.data() != null && !n.data().isNull()) {
            JsonNode d = n.data();
            blocks.addObject().put("type", "section").putObject("text").put("type", "mrkdwn").put("text",
                    "Exemption `" + d.path("exemptionId").asText() + "` of *" + d.path("controlId").asText()
                            + "* for `" + d.path("subjectPattern").asText() + "` expired at " + d.path("expiresAt").asText()
                            + ". Matching failures page again.");
            return message;
        }
        for (JsonNode f : findings.subList(0, Math.min(findings.size(), 10))) {
            ObjectNode section = blocks.addObject();
            section.put("type", "section");
            section.putObject("text").put("type", "mrkdwn").put("text", "*" + esc(f.path("control_title").asText())
                    + "* (`" + f.path("control_id").asText() + "`)\n" + esc(String.valueOf(summary(f))));
            ArrayNode fields = section.putArray("fields");
            field(fields, "Severity", f.path("severity").asText().toUpperCase(Locale.ROOT));
            field(fields, "Subject", String.valueOf(text(f, "subject")));
            field(fields, "Criteria", joined(f.path("criteria")));
            field(fields, "Failures", f.path("failure_count").asText());
            field(fields, "Status", f.path("status").asText());
            field(fields, "SLA due", f.path("sla_due_at").asText() + (f.path("sla_breached").asBoolean() ? " (breached)" : ""));
            String link = config.linkTo(f.path("finding_id").asText());
            if (link != null) {
                blocks.addObject().put("type", "actions").putArray("elements").addObject().put("type", "button")
                        .put("url", link).putObject("text").put("type", "plain_text").put("text", "Open finding");
            }
        }
        if (findings.size() > 10) {
            blocks.addObject().put("type", "context").putArray("elements").addObject().put("type", "mrkdwn")
                    .put("text", "… and " + (findings.size() - 10) + " more findings in this group");
        }
        return message;
    }

    static ObjectNode pagerDuty(NotificationRow n, Receiver.PagerDuty receiver, List<JsonNode> findings,
                                NotificationConfig config) {
        ObjectNode payload = NativeSql.json().createObjectNode();
        ArrayNode events = payload.putArray("events");
        String action = switch (n.eventType()) {
            case "controlwatch.finding.acknowledged" -> "acknowledge";
            case "controlwatch.finding.resolved", "controlwatch.finding.exempted" -> "resolve";
            default -> "trigger";
        };
        for (JsonNode f : findings) {
            ObjectNode event = NativeSql.json().createObjectNode();
            event.put("routing_key", receiver.routingKey());
            event.put("event_action", action);
            // one incident per finding: every event of it, and every retry, carries the same key
            event.put("dedup_key", f.path("finding_id").asText());
            if (action.equals("trigger")) {
                ObjectNode p = event.putObject("payload");
                p.put("summary", cut(f.path("control_title").asText() + ": " + summary(f) + " ("
                        + text(f, "subject") + ")", 1024));
                p.put("source", "controlwatch:" + f.path("control_id").asText());
                p.put("severity", switch (f.path("severity").asText()) {
                    case "critical" -> "critical";
                    case "high" -> "error";
                    case "medium" -> "warning";
                    default -> "info";
                });
                p.put("timestamp", f.path("opened_at").asText());
                p.put("component", f.path("control_id").asText());
                p.put("class", joined(f.path("criteria")));
                ObjectNode details = p.putObject("custom_details");
                details.put("finding_id", f.path("finding_id").asText());
                details.put("subject", text(f, "subject"));
                details.put("failure_count", f.path("failure_count").asLong());
                details.set("criteria", f.path("criteria"));
                details.put("owner", text(f, "owner"));
                details.put("sla_due_at", f.path("sla_due_at").asText());
                details.put("event", n.eventType());
                String link = config.linkTo(f.path("finding_id").asText());
                if (link != null) {
                    event.putArray("links").addObject().put("href", link).put("text", "Finding in ControlWatch");
                }
            }
            events.add(event.toString());
        }
        return payload;
    }

    static ObjectNode email(NotificationRow n, Receiver.Email receiver, List<JsonNode> findings,
                            NotificationConfig config, Template text, Template html) {
        ObjectNode payload = NativeSql.json().createObjectNode();
        String headline = headline(n, findings);
        payload.put("subject", "[ControlWatch] " + cut(headline, 200));
        List<Map<String, Object>> items = new ArrayList<>();
        for (JsonNode f : findings) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("title", f.path("control_title").asText());
            item.put("control", f.path("control_id").asText());
            item.put("summary", String.valueOf(summary(f)));
            item.put("subject", String.valueOf(text(f, "subject")));
            item.put("severity", f.path("severity").asText().toUpperCase(Locale.ROOT));
            item.put("criteria", joined(f.path("criteria")));
            item.put("status", f.path("status").asText());
            item.put("count", f.path("failure_count").asLong());
            item.put("sla", f.path("sla_due_at").asText() + (f.path("sla_breached").asBoolean() ? " (breached)" : ""));
            item.put("id", f.path("finding_id").asText());
            item.put("link", config.linkTo(f.path("finding_id").asText()));
            items.add(item);
        }
        String note = n.data() != null && !n.data().isNull()
                ? "Exemption " + n.data().path("exemptionId").asText() + " of " + n.data().path("controlId").asText()
                + " for " + n.data().path("subjectPattern").asText() + " expired at " + n.data().path("expiresAt").asText()
                + ". Matching failures page again." : null;
        payload.put("text", text.data("headline", headline).data("findings", items).data("note", note)
                .data("notificationId", n.notificationId()).render());
        payload.put("html", html.data("headline", headline).data("findings", items).data("note", note)
                .data("notificationId", n.notificationId()).render());
        ArrayNode to = payload.putArray("to");
        receiver.to().forEach(to::add);
        if (receiver.from() != null) {
            payload.put("from", receiver.from());
        }
        return payload;
    }

    static String headline(NotificationRow n, List<JsonNode> findings) {
        String what = switch (n.eventType()) {
            case "controlwatch.finding.opened" -> "Control failing";
            case "controlwatch.finding.acknowledged" -> "Acknowledged";
            case "controlwatch.finding.resolved" -> "Resolved";
            case "controlwatch.finding.reminder" -> "Still failing";
            case "controlwatch.finding.escalated" -> "SLA breached";
            case "controlwatch.finding.exempted" -> "Exempted";
            case "controlwatch.exemption.expired" -> "Exemption expired";
            default -> n.eventType();
        };
        if (findings.isEmpty()) {
            return what + (n.data() != null ? ": " + n.data().path("controlId").asText() : "");
        }
        JsonNode first = findings.get(0);
        String head = what + ": [" + first.path("severity").asText().toUpperCase(Locale.ROOT) + "] "
                + first.path("control_title").asText() + " — " + text(first, "subject");
        return findings.size() == 1 ? head : head + " and " + (findings.size() - 1) + " more";
    }

    private static void field(ArrayNode fields, String name, String value) {
        fields.addObject().put("type", "mrkdwn").put("text", "*" + name + "*\n" + esc(value));
    }

    private static String joined(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return String.join(", ", values);
    }

    static String text(JsonNode node, String field) {
        JsonNode v = node.path(field);
        return v.isMissingNode() || v.isNull() ? null : v.asText();
    }

    /** Slack's mrkdwn treats these three as control characters. */
    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
