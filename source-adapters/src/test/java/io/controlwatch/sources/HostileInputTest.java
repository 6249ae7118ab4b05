package io.controlwatch.sources;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile input is normal input: for every kind, broken, deep, huge and mistyped payloads are Malformed (400) or
 * Unsupported (202), never an exception, and the bounds hold.
 */
class HostileInputTest {

    static final Map<SourceKind, Map<String, String>> HEADERS = Map.of(
            SourceKind.GITHUB, Map.of("X-GitHub-Event", "push", "X-GitHub-Delivery", "d1"),
            SourceKind.WEBHOOK, Map.of("webhook-id", "m1"));

    static List<String> hostileBodies() {
        List<String> bodies = new ArrayList<>(List.of("", " ", "null", "42", "\"text\"", "[]", "{}", "{", "}", "[[[[", "\u0000\u0001",
                "{\"Records\": 5}", "{\"Records\": [5]}", "{\"Records\": [{\"eventName\": 42}]}", "{\"detail-type\": 5}",
                "{\"detail-type\": \"AWS API Call via CloudTrail\", \"detail\": \"x\"}", "{\"data\": {\"events\": [1, 2]}}",
                "{\"kind\": \"EventList\", \"items\": [1]}", "{\"ref\": [], \"repository\": 5}", "{\"type\": 5, \"data\": 5}",
                "{\"a\": 1} {\"b\": 2}", "{\"eventName\": \"ConsoleLogin\", \"eventTime\": \"2026-13-45T99:00:00Z\"}",
                "{\"eventName\": \"AuthorizeSecurityGroupIngress\", \"eventTime\": \"2026-03-02T09:00:00Z\", \"requestParameters\": {\"groupId\": \"sg\", \"ipPermissions\": {\"items\": [{\"fromPort\": \"22\", \"ipRanges\": {\"items\": [{\"cidrIp\": 5}]}}]}}}",
                "{\"auditID\": \"x\", \"stage\": \"ResponseComplete\", \"objectRef\": {\"resource\": \"pods\", \"subresource\": \"exec\"}, \"requestURI\": \"/x?command=%zz&container=%\"}",
                "[" + "{\"specversion\":\"1.0\"},".repeat(10) + "1]",
                "\"" + "x".repeat(2 * 1024 * 1024) + "\""));
        bodies.add("[".repeat(10_000) + "]".repeat(10_000));
        bodies.add("{\"a\":".repeat(5_000) + "1" + "}".repeat(5_000));
        bodies.add("{\"Records\": [" + "{},".repeat(30_000) + "{}]}");
        bodies.add("{\"n\": 1" + "0".repeat(5_000) + "}");
        Random random = new Random(42);
        for (int i = 0; i < 50; i++) {
            byte[] noise = new byte[random.nextInt(200)];
            random.nextBytes(noise);
            bodies.add(new String(noise, StandardCharsets.ISO_8859_1));
        }
        return bodies;
    }

    @Test
    void noBodyMakesAnyAdapterThrowOrProduceAnInvalidEvent() {
        SourceAdapters adapters = new SourceAdapters(AdapterLimits.DEFAULT, new InMemoryAdapterStateStore());
        int checked = 0;
        for (SourceKind kind : SourceKind.values()) {
            SourceAdapter adapter = adapters.forKind(kind);
            for (String body : hostileBodies()) {
                Delivery delivery = new Delivery(new Source("s", kind, null), DeliveryHeaders.of(HEADERS.getOrDefault(kind, Map.of())),
                        body.getBytes(StandardCharsets.ISO_8859_1), Deliveries.RECEIVED);
                AdapterOutcome outcome = adapter.map(delivery); // the adapter itself, not the catch-all of SourceAdapters
                assertThat(outcome).as("%s: %s", kind, body.length() > 80 ? body.substring(0, 80) : body).isNotNull();
                if (outcome instanceof AdapterOutcome.Mapped mapped && kind != SourceKind.CLOUDEVENTS) {
                    mapped.events().forEach(e -> assertThat(TaxonomySchemas.problems(e)).as(e.toString()).isEmpty());
                }
                checked++;
            }
        }
        assertThat(checked).isEqualTo(SourceKind.values().length * hostileBodies().size());
    }

    @Test
    void theBoundsHold() {
        AdapterLimits small = new AdapterLimits(1024, 3, 2, 16, 1024);
        SourceAdapters adapters = new SourceAdapters(small, new InMemoryAdapterStateStore());
        String record = "{\"eventName\":\"StopLogging\",\"eventTime\":\"2026-03-02T09:00:00Z\",\"recipientAccountId\":\"1\",\"requestParameters\":{\"name\":\"t\"}}";
        assertThat(map(adapters, SourceKind.AWS_CLOUDTRAIL, "{\"Records\":[" + record + "," + record + "]}")).isInstanceOf(AdapterOutcome.Mapped.class);
        assertThat(map(adapters, SourceKind.AWS_CLOUDTRAIL, "{\"Records\":[" + record + "," + record + "," + record + "]}"))
                .isInstanceOf(AdapterOutcome.Malformed.class); // three events: more than maxEventsOut
        assertThat(map(adapters, SourceKind.AWS_CLOUDTRAIL, "{\"Records\":[" + (record + ",").repeat(3) + record + "]}"))
                .isInstanceOf(AdapterOutcome.Malformed.class); // four records: more than maxVendorEvents (and the body bound)
        assertThat(map(adapters, SourceKind.OKTA, "{\"data\":{\"events\":[{},{},{},{}]}}")).isInstanceOf(AdapterOutcome.Malformed.class);
        assertThat(map(adapters, SourceKind.KUBERNETES_AUDIT, "{\"x\":" + "[".repeat(20) + "]".repeat(20) + "}")).isInstanceOf(AdapterOutcome.Malformed.class);
        assertThat(map(adapters, SourceKind.CLOUDEVENTS, " ".repeat(1025))).isInstanceOf(AdapterOutcome.Malformed.class);
    }

    @Test
    void optionsAreCheckedWhenASourceIsCreated() {
        SourceAdapters adapters = new SourceAdapters(AdapterLimits.DEFAULT, new InMemoryAdapterStateStore());
        assertThat(adapters.forKind(SourceKind.GITHUB).validateOptions(Deliveries.json("{\"users\": {\"octocat\": \"o@example.com\"}, \"protectedBranches\": [\"main\"]}"))).isEmpty();
        assertThat(adapters.forKind(SourceKind.GITHUB).validateOptions(Deliveries.json("{\"protectedBranch\": [\"main\"]}")))
                .singleElement().asString().contains("unknown option 'protectedBranch'");
        assertThat(adapters.forKind(SourceKind.AWS_CLOUDTRAIL).validateOptions(Deliveries.json("{\"trustFederatedMfa\": \"yes\"}")))
                .singleElement().asString().contains("must be a boolean");
        assertThat(adapters.forKind(SourceKind.KUBERNETES_AUDIT).validateOptions(Deliveries.json("{\"privilegedRoles\": [1]}"))).hasSize(1);
        assertThat(adapters.forKind(SourceKind.OKTA).validateOptions(Deliveries.json("[]"))).hasSize(1);
        assertThat(adapters.forKind(SourceKind.CLOUDEVENTS).validateOptions(Deliveries.json("{\"x\": 1}"))).hasSize(1);
    }

    @Test
    void theStateStoreRefusesWhatIsOverItsBoundsAndForgetsWhatExpired() {
        java.time.Instant[] now = {java.time.Instant.parse("2026-03-02T10:00:00Z")};
        java.time.Clock clock = new java.time.Clock() {
            public java.time.ZoneId getZone() { return java.time.ZoneOffset.UTC; }
            public java.time.Clock withZone(java.time.ZoneId zone) { return this; }
            public java.time.Instant instant() { return now[0]; }
        };
        InMemoryAdapterStateStore store = new InMemoryAdapterStateStore(clock);
        var big = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("x", "y".repeat(AdapterStateStore.MAX_VALUE_BYTES));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.put("k", big, java.time.Duration.ofDays(1))).isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.get("k".repeat(513))).isInstanceOf(IllegalArgumentException.class);
        store.put("k", com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("a", 1), java.time.Duration.ofHours(1));
        assertThat(store.get("k")).isPresent();
        now[0] = now[0].plusSeconds(3600);
        assertThat(store.get("k")).isEmpty();
    }

    static AdapterOutcome map(SourceAdapters adapters, SourceKind kind, String body) {
        return adapters.map(new Delivery(new Source("s", kind, null), DeliveryHeaders.of(HEADERS.getOrDefault(kind, Map.of())),
                body.getBytes(StandardCharsets.UTF_8), Deliveries.RECEIVED));
    }
}
