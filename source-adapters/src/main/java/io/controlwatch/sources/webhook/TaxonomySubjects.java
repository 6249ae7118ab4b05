package io.controlwatch.sources.webhook;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The subject of each type of the taxonomy, as docs/events.md gives it ("Subject: the user"), for senders that name
 * only the type and the data (Standard Webhooks payloads): the subject is what Kafka partitions by, so events about one
 * user or resource stay in order.
 */
final class TaxonomySubjects {

    private static final Map<String, List<String>> SUBJECT_FIELDS = Map.ofEntries(
            Map.entry("auth.login", List.of("user")),
            Map.entry("iam.mfa_device.removed", List.of("user")),
            Map.entry("iam.account.created", List.of("user")),
            Map.entry("iam.account.disabled", List.of("user")),
            Map.entry("iam.role.granted", List.of("principal")),
            Map.entry("access.request.approved", List.of("requestId")),
            Map.entry("access.review.completed", List.of("scope")),
            Map.entry("hr.employee.terminated", List.of("employeeId", "email")),
            Map.entry("network.ingress_rule.added", List.of("resource")),
            Map.entry("network.waf.changed", List.of("resource")),
            Map.entry("network.tls_policy.changed", List.of("resource")),
            Map.entry("tls.certificate.observed", List.of("host")),
            Map.entry("storage.encryption.changed", List.of("resource")),
            Map.entry("storage.access.changed", List.of("resource")),
            Map.entry("audit.logging.changed", List.of("resource")),
            Map.entry("security.detector.changed", List.of("detector")),
            Map.entry("security.alert.raised", List.of("alertId")),
            Map.entry("security.alert.triaged", List.of("alertId")),
            Map.entry("incident.declared", List.of("incidentId")),
            Map.entry("incident.postmortem.published", List.of("incidentId")),
            Map.entry("deploy.completed", List.of("service")),
            Map.entry("change.approved", List.of("changeId")),
            Map.entry("backup.completed", List.of("system")),
            Map.entry("restore.test.completed", List.of("system")),
            Map.entry("uptime.check", List.of("target")),
            Map.entry("vuln.finding.opened", List.of("findingId")),
            Map.entry("vuln.finding.resolved", List.of("findingId")),
            Map.entry("vuln.scan.completed", List.of("scope")),
            Map.entry("endpoint.agent.heartbeat", List.of("host")),
            Map.entry("endpoint.process.executed", List.of("host")),
            Map.entry("endpoint.malware.detected", List.of("host")),
            Map.entry("capacity.utilization", List.of("resource")),
            Map.entry("capacity.alarm.changed", List.of("resource")),
            Map.entry("capacity.scaled", List.of("resource")),
            Map.entry("vendor.review.approved", List.of("vendor")),
            Map.entry("oauth.app.authorized", List.of("appId")),
            Map.entry("vcs.repository.visibility_changed", List.of("repository")));

    private TaxonomySubjects() {
    }

    static Optional<String> of(String type, JsonNode data) {
        switch (type) {
            case "vcs.branch_protection.changed", "vcs.push":
                return join(data, "repository", ":", "branch");
            case "vcs.pull_request.merged":
                return data.path("repository").isTextual() && data.path("number").isIntegralNumber()
                        ? Optional.of(data.get("repository").asText() + "#" + data.get("number").asText()) : Optional.empty();
            default:
                break;
        }
        for (String field : SUBJECT_FIELDS.getOrDefault(type, List.of())) {
            JsonNode value = data.path(field);
            if (value.isTextual() && !value.asText().isBlank()) {
                return Optional.of(value.asText());
            }
        }
        return Optional.empty();
    }

    private static Optional<String> join(JsonNode data, String a, String separator, String b) {
        return data.path(a).isTextual() && data.path(b).isTextual()
                ? Optional.of(data.get(a).asText() + separator + data.get(b).asText()) : Optional.empty();
    }
}
