package io.controlwatch.sources;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static io.controlwatch.sources.Deliveries.delivery;
import static io.controlwatch.sources.Deliveries.events;
import static io.controlwatch.sources.Deliveries.single;
import static org.assertj.core.api.Assertions.assertThat;

/** Secret reads, stages, denials and impersonation, on audit events of the shape of Falco's recordings. */
class KubernetesAuditMappingTest {

    final SourceAdapters adapters = new SourceAdapters(AdapterLimits.DEFAULT, new InMemoryAdapterStateStore());

    static String secretRead(String auditId, String stage, String user, String verb, int code, String decision) {
        return """
                {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"%s","stage":"%s",
                 "requestURI":"/api/v1/namespaces/payments/secrets/db-root","verb":"%s",
                 "user":{"username":"%s","groups":["system:authenticated"]},"sourceIPs":["10.0.0.5"],"userAgent":"kubectl/v1.31.0",
                 "objectRef":{"resource":"secrets","namespace":"payments","name":"db-root","apiVersion":"v1"},
                 "responseStatus":{"metadata":{},"code":%d},"requestReceivedTimestamp":"2026-03-02T09:00:00.000000Z",
                 "stageTimestamp":"2026-03-02T09:00:00.010000Z","annotations":{"authorization.k8s.io/decision":"%s"}}
                """.formatted(auditId, stage, verb, user, code, decision);
    }

    AdapterOutcome map(String body) {
        return map(body, "{\"cluster\": \"prod-eu\"}");
    }

    AdapterOutcome map(String body, String options) {
        return adapters.map(delivery(SourceKind.KUBERNETES_AUDIT, options, Map.of(), body));
    }

    @Test
    void aPersonReadingASecretIsReportedTheControlPlaneIsNot() {
        ObjectNode read = single(map(secretRead("a1", "ResponseComplete", "Alice@Example.com", "get", 200, "allow")));
        assertThat(read.path("type").asText()).isEqualTo("kubernetes.secret.read");
        assertThat(read.path("subject").asText()).isEqualTo("prod-eu/payments");
        assertThat(read.path("data").toString()).contains("\"user\":\"alice@example.com\"", "\"name\":\"db-root\"", "\"allowed\":true");
        AdapterOutcome routine = map(secretRead("a2", "ResponseComplete", "system:serviceaccount:kube-system:cert-manager", "get", 200, "allow"));
        assertThat(events(routine)).isEmpty();
        assertThat(((AdapterOutcome.Mapped) routine).skipped()).isEqualTo(1);
        // a source may expect some people (a break-glass group's members) or nobody at all
        assertThat(events(map(secretRead("a3", "ResponseComplete", "system:serviceaccount:kube-system:cert-manager", "get", 200, "allow"),
                "{\"expectedSecretReaders\": []}"))).hasSize(1);
        assertThat(events(map(secretRead("a4", "ResponseComplete", "vault-operator@example.com", "list", 200, "allow"),
                "{\"expectedSecretReaders\": [\"system:*\", \"vault-*@example.com\"]}"))).isEmpty();
    }

    @Test
    void aDeniedReadIsReportedAsNotAllowed() {
        assertThat(single(map(secretRead("a1", "ResponseComplete", "mallory", "get", 403, "forbid"))).path("data").path("allowed").asBoolean()).isFalse();
    }

    @Test
    void onlyTheStageWithTheOutcomeIsMappedAndBothStagesOfAnExecAreOneId() throws Exception {
        assertThat(events(map(secretRead("a1", "RequestReceived", "alice", "get", 200, "allow")))).isEmpty();
        String exec = Files.readString(Path.of("src/test/resources/kubernetes-audit/pods-exec.json"));
        String complete = exec.replace("\"stage\":\"ResponseStarted\"", "\"stage\":\"ResponseComplete\"");
        String requestReceived = exec.replace("\"stage\":\"ResponseStarted\"", "\"stage\":\"RequestReceived\"");
        var events = events(map(requestReceived + "\n" + exec + "\n" + complete));
        assertThat(events).hasSize(2);
        assertThat(events.get(0).path("id").asText()).isEqualTo(events.get(1).path("id").asText()).isEqualTo("k8s:ca1ed9f4-7bf4-4c85-81a8-1b11253d1ba6");
    }

    @Test
    void anImpersonatedRequestActsAsTheImpersonatedUser() {
        String read = secretRead("a1", "ResponseComplete", "alice", "get", 200, "allow")
                .replace("\"sourceIPs\"", "\"impersonatedUser\":{\"username\":\"system:serviceaccount:payments:app\"},\"sourceIPs\"");
        assertThat(events(map(read, "{\"expectedSecretReaders\": []}")).get(0).path("data").path("user").asText())
                .isEqualTo("system:serviceaccount:payments:app");
    }

    @Test
    void bindingsNameEverySubjectAndNeedTheObject() throws Exception {
        String binding = Files.readString(Path.of("src/test/resources/kubernetes-audit/clusterrolebinding.cluster-admin.json"))
                .replace("\"subjects\":[{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"User\",\"name\":\"minikube\"}]",
                        "\"subjects\":[{\"kind\":\"Group\",\"name\":\"oncall\"},{\"kind\":\"ServiceAccount\",\"name\":\"ci\",\"namespace\":\"tools\"}]");
        var events = events(map(binding));
        assertThat(events).extracting(e -> e.path("data").path("principal").asText()).containsExactly("group:oncall", "system:serviceaccount:tools:ci");
        assertThat(events).extracting(e -> e.path("id").asText()).containsExactly("k8s:c97244c7-4aec-4714-946a-8204d00ecdca#0", "k8s:c97244c7-4aec-4714-946a-8204d00ecdca#1");
        String metadataOnly = "{\"kind\":\"Event\",\"level\":\"Metadata\",\"auditID\":\"m1\",\"stage\":\"ResponseComplete\",\"verb\":\"create\","
                + "\"user\":{\"username\":\"alice\"},\"objectRef\":{\"resource\":\"clusterrolebindings\",\"apiGroup\":\"rbac.authorization.k8s.io\",\"name\":\"x\"},"
                + "\"responseStatus\":{\"code\":201},\"requestReceivedTimestamp\":\"2026-03-02T09:00:00Z\"}";
        assertThat(events(map(metadataOnly))).isEmpty();
        assertThat(events(map(binding.replace("\"code\":201", "\"code\":409")))).isEmpty();
    }

    @Test
    void anonymousHealthChecksAreMappedForTheControlToJudge() {
        String health = "{\"kind\":\"Event\",\"auditID\":\"h1\",\"stage\":\"ResponseComplete\",\"requestURI\":\"/readyz?verbose\",\"verb\":\"get\","
                + "\"user\":{\"username\":\"system:anonymous\",\"groups\":[\"system:unauthenticated\"]},\"responseStatus\":{\"code\":200},"
                + "\"requestReceivedTimestamp\":\"2026-03-02T09:00:00Z\",\"annotations\":{\"authorization.k8s.io/decision\":\"allow\"}}";
        ObjectNode event = single(map(health));
        assertThat(event.path("data").toString()).contains("\"path\":\"/readyz\"", "\"allowed\":true", "\"statusCode\":200");
    }

    @Test
    void notAuditEventsAreMalformed() {
        assertThat(map("{\"kind\":\"PodList\",\"items\":[]}")).isInstanceOf(AdapterOutcome.Malformed.class);
        assertThat(map("{\"kind\":\"EventList\",\"items\":{}}")).isInstanceOf(AdapterOutcome.Malformed.class);
        assertThat(map("{\"kind\":\"EventList\",\"items\":[{\"kind\":\"Event\"}]}")).isInstanceOf(AdapterOutcome.Malformed.class);
        assertThat(map("")).isInstanceOf(AdapterOutcome.Malformed.class);
    }
}
