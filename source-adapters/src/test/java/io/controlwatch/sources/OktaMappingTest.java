package io.controlwatch.sources;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.controlwatch.sources.Deliveries.delivery;
import static io.controlwatch.sources.Deliveries.events;
import static io.controlwatch.sources.Deliveries.single;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Okta event types Okta publishes no complete example of, on LogEvents built after the LogEvent reference (actor,
 * target[], outcome, authenticationContext, debugContext.debugData), delivered as an event hook delivers them.
 */
class OktaMappingTest {

    final InMemoryAdapterStateStore state = new InMemoryAdapterStateStore();
    final SourceAdapters adapters = new SourceAdapters(AdapterLimits.DEFAULT, state);

    static String logEvent(String uuid, String eventType, String result, String targets, String extra) {
        return """
                {"uuid":"%s","published":"2026-03-02T09:00:00.000Z","eventType":"%s","version":"0","severity":"INFO",
                 "actor":{"id":"00u1","type":"User","alternateId":"Alice@Example.com","displayName":"Alice"},
                 "client":{"ipAddress":"203.0.113.7"},"outcome":{"result":"%s","reason":null},"target":%s,
                 "authenticationContext":{"authenticationStep":0,"externalSessionId":"102abc"}%s}
                """.formatted(uuid, eventType, result, targets, extra);
    }

    static String hook(String... events) {
        return "{\"eventType\":\"com.okta.event_hook\",\"eventTypeVersion\":\"1.0\",\"cloudEventsVersion\":\"0.1\","
                + "\"source\":\"https://example.okta.com/api/v1/eventHooks/who1\",\"eventId\":\"e1\",\"data\":{\"events\":["
                + String.join(",", events) + "]},\"eventTime\":\"2026-03-02T09:00:01.000Z\",\"contentType\":\"application/json\"}";
    }

    AdapterOutcome map(String body) {
        return map(body, "{}");
    }

    AdapterOutcome map(String body, String options) {
        return adapters.map(delivery(SourceKind.OKTA, options, Map.of(), body));
    }

    static final String BOB = "[{\"id\":\"00u2\",\"type\":\"User\",\"alternateId\":\"bob@example.com\",\"displayName\":\"Bob\"}]";

    @Test
    void aSessionStartIsMfaWhenASecondFactorOfTheSameSessionWasVerifiedInTheDeliveryOrBefore() {
        String mfa = logEvent("u-mfa", "user.authentication.auth_via_mfa", "SUCCESS", "[]",
                ",\"debugContext\":{\"debugData\":{\"factor\":\"OKTA_VERIFY_PUSH\"}}");
        String start = logEvent("u-start", "user.session.start", "SUCCESS", "[]", "");
        // in one delivery, the verification may come after the session start in the array
        List<ObjectNode> events = events(map(hook(start, mfa)));
        assertThat(events).hasSize(1);
        assertThat(events.get(0).path("data").toString()).contains("\"mfa\":true", "\"factor\":\"OKTA_VERIFY_PUSH\"", "\"user\":\"alice@example.com\"");
        assertThat(events.get(0).path("source").asText()).isEqualTo("https://example.okta.com");
        // in a later delivery, the remembered verification still counts
        String laterStart = logEvent("u-start-2", "user.session.start", "SUCCESS", "[]", "");
        assertThat(single(map(hook(laterStart))).path("data").path("mfa").asBoolean()).isTrue();
        // another session without a second factor
        String other = logEvent("u-start-3", "user.session.start", "SUCCESS", "[]", "").replace("102abc", "102xyz");
        assertThat(single(map(hook(other))).path("data").path("mfa").asBoolean()).isFalse();
    }

    @Test
    void aPasswordVerificationIsNotASecondFactor() {
        String password = logEvent("u-pw", "user.authentication.auth_via_mfa", "SUCCESS", "[]",
                ",\"debugContext\":{\"debugData\":{\"factor\":\"PASSWORD_AS_FACTOR\"}}");
        String start = logEvent("u-start", "user.session.start", "SUCCESS", "[]", "");
        assertThat(single(map(hook(password, start))).path("data").path("mfa").asBoolean()).isFalse();
    }

    @Test
    void anIdentityEngineSessionNamingANonPasswordAuthenticatorIsMfa() {
        String targets = "[{\"id\":\"lae1\",\"type\":\"AuthenticatorEnrollment\",\"alternateId\":\"unknown\",\"displayName\":\"Password\"},"
                + "{\"id\":\"pfd1\",\"type\":\"AuthenticatorEnrollment\",\"alternateId\":\"unknown\",\"displayName\":\"Okta Verify\"}]";
        ObjectNode event = single(map(hook(logEvent("u1", "user.session.start", "SUCCESS", targets, ""))));
        assertThat(event.path("data").path("factor").asText()).isEqualTo("Okta Verify");
    }

    @Test
    void failedSignInsAndFailedFactorsAreFailedLogins() {
        ObjectNode failed = single(map(hook(logEvent("u1", "user.session.start", "FAILURE", "[]", "")
                .replace("\"reason\":null", "\"reason\":\"INVALID_CREDENTIALS\""))));
        assertThat(failed.path("data").toString()).contains("\"outcome\":\"failure\"", "\"reason\":\"INVALID_CREDENTIALS\"");
        assertThat(failed.path("data").has("mfa")).isFalse();
        ObjectNode push = single(map(hook(logEvent("u2", "user.authentication.auth_via_mfa", "FAILURE", "[]",
                ",\"debugContext\":{\"debugData\":{\"factor\":\"OKTA_VERIFY_PUSH\"}}"))));
        assertThat(push.path("data").toString()).contains("\"outcome\":\"failure\"", "\"factor\":\"OKTA_VERIFY_PUSH\"");
    }

    @Test
    void factorsLifecycleAndPrivileges() {
        List<ObjectNode> events = events(map(hook(
                logEvent("f1", "user.mfa.factor.deactivate", "SUCCESS", BOB, "").replace("\"reason\":null", "\"reason\":\"User reset FIDO_WEBAUTHN factor\""),
                logEvent("f2", "user.mfa.factor.reset_all", "SUCCESS", BOB, ""),
                logEvent("l1", "user.lifecycle.create", "SUCCESS", BOB, ""),
                logEvent("l2", "user.lifecycle.suspend", "SUCCESS", BOB, ""),
                logEvent("l3", "user.lifecycle.deactivate", "FAILURE", BOB, ""),
                logEvent("p1", "user.account.privilege.grant", "SUCCESS", BOB.replace("]", ",{\"id\":\"ROLE_ASSIGNED\",\"type\":\"ROLE_ASSIGNED\",\"displayName\":\"Role Assigned\"},"
                        + "{\"id\":\"SUPER_ADMIN\",\"type\":\"ROLE\",\"displayName\":\"Super Administrator\"},{\"id\":\"ORG_ADMIN\",\"type\":\"ROLE\",\"displayName\":\"Organization Administrator\"}]"), ""),
                logEvent("g1", "group.user_membership.add", "SUCCESS", BOB.replace("]", ",{\"id\":\"00g1\",\"type\":\"UserGroup\",\"displayName\":\"AWS-Prod-Admins\"}]"), ""),
                logEvent("x1", "user.session.end", "SUCCESS", "[]", "")), "{\"privilegedGroups\": [\"aws-prod-admins\"]}"));
        assertThat(events).extracting(e -> e.path("id").asText() + " " + e.path("type").asText()).containsExactly(
                "okta:f1 iam.mfa_device.removed", "okta:f2 iam.mfa_device.removed", "okta:l1 iam.account.created",
                "okta:l2 iam.account.disabled", "okta:p1#0 iam.role.granted", "okta:p1#1 iam.role.granted", "okta:g1 iam.role.granted");
        assertThat(events.get(0).path("data").toString()).contains("\"user\":\"bob@example.com\"", "\"actor\":\"alice@example.com\"", "\"deviceType\":\"webauthn\"");
        assertThat(events.get(1).path("data").path("remainingDevices").asInt()).isZero();
        assertThat(events.get(3).path("data").path("reason").asText()).isEqualTo("suspend");
        assertThat(events.get(4).path("data").path("role").asText()).isEqualTo("Super Administrator");
        assertThat(events.get(6).path("data").toString()).contains("\"role\":\"group:AWS-Prod-Admins\"", "\"privileged\":true");
        AdapterOutcome.Mapped mapped = (AdapterOutcome.Mapped) map(hook(logEvent("x1", "user.session.end", "SUCCESS", "[]", ""),
                logEvent("l3", "user.lifecycle.deactivate", "FAILURE", BOB, "")));
        assertThat(mapped.skipped()).isEqualTo(2);
        assertThat(map(hook(logEvent("x1", "user.session.end", "SUCCESS", "[]", ""))))
                .isEqualTo(new AdapterOutcome.Unsupported("okta:user.session.end"));
    }

    @Test
    void aSystemLogPageIsAcceptedAndBrokenDeliveriesAreMalformed() {
        assertThat(events(map("[" + logEvent("l1", "user.lifecycle.create", "SUCCESS", BOB, "") + "]"))).hasSize(1);
        assertThat(map("{\"data\":{\"events\":{}}}")).isInstanceOf(AdapterOutcome.Malformed.class);
        assertThat(map(hook("{\"uuid\":\"a\",\"eventType\":\"user.session.start\"}"))).isInstanceOf(AdapterOutcome.Malformed.class);
        assertThat(map("42")).isInstanceOf(AdapterOutcome.Malformed.class);
    }
}
