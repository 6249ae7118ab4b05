package io.controlwatch.alerting.service.routing;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Alertmanager's routing semantics, table-driven: labels in, receivers (in order) out. */
class RoutingTreeTest {

    static final String CONFIG = """
            formatVersion: 1
            receivers:
              - name: default-mail
                email: {to: [secops@example.com]}
              - name: pager
                pagerduty: {routingKey: R0UT1NGKEY}
              - name: identity-slack
                slack: {url: https://hooks.slack.com/services/T/B/X}
              - name: audit-hook
                webhook: {url: https://audit.example.com/hook, secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw]}
              - name: compliance-mail
                email: {to: [compliance@example.com]}
            route:
              receiver: default-mail
              routes:
                - match: {severity: [critical]}
                  receiver: pager
                  continue: true
                - match: {control: ["cc6.*"]}
                  receiver: identity-slack
                  routes:
                    - match: {owner: [iam-team]}
                      receiver: audit-hook
                - match: {criteria: [A1.2]}
                  receiver: audit-hook
                - match: {exempted: true}
                  receiver: compliance-mail
            """;

    record Case(String name, FindingLabels labels, List<String> receivers) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("nothing matches: the root's receiver", labels("cc8.1-pr", "high", null, "CC8.1", false),
                        List.of("default-mail")),
                new Case("first match without continue stops", labels("cc6.1-mfa", "high", null, "CC6.1", false),
                        List.of("identity-slack")),
                new Case("continue goes on to the next match", labels("cc6.1-mfa", "critical", null, "CC6.1", false),
                        List.of("pager", "identity-slack")),
                new Case("continue with no later match: that route alone", labels("cc8.1-pr", "critical", null, "CC8.1", false),
                        List.of("pager")),
                new Case("the deepest matching route sends", labels("cc6.2-offboard", "high", "iam-team", "CC6.2", false),
                        List.of("audit-hook")),
                new Case("a parent with a non-matching child sends itself", labels("cc6.2-offboard", "low", "hr", "CC6.2", false),
                        List.of("identity-slack")),
                new Case("any one criterion matches", labels("a1.2-backup", "medium", null, "A1.2", false),
                        List.of("audit-hook")),
                new Case("exempted findings reach only routes asking for them",
                        labels("cc6.1-mfa", "critical", null, "CC6.1", true), List.of("compliance-mail")));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void routes(Case c) {
        NotificationConfig config = NotificationConfigLoader.parse(CONFIG, "test");
        assertThat(config.routesFor(c.labels()).stream().map(Route::receiver).toList()).isEqualTo(c.receivers());
    }

    @ParameterizedTest
    @MethodSource("cases")
    void exemptedFindingsWithoutAnExplicitRouteGoNowhere(Case c) {
        NotificationConfig config = NotificationConfigLoader.parse(CONFIG.replace("""
                    - match: {exempted: true}
                      receiver: compliance-mail
                """, ""), "test");
        if (c.labels().exempted()) {
            assertThat(config.routesFor(c.labels())).isEmpty();
        } else {
            assertThat(config.routesFor(c.labels())).isNotEmpty();
        }
    }

    @org.junit.jupiter.api.Test
    void childrenInheritTimingsAndGroupKeysFollowGroupBy() {
        NotificationConfig config = NotificationConfigLoader.parse("""
                formatVersion: 1
                receivers:
                  - name: a
                    slack: {url: https://hooks.slack.com/services/x}
                route:
                  receiver: a
                  groupBy: [control]
                  groupWait: 10s
                  repeatInterval: 1h
                  routes:
                    - match: {severity: [high]}
                      groupInterval: 2m
                    - match: {severity: [low]}
                      groupBy: ['...']
                """, "test");
        Route high = config.routesFor(labels("c1", "high", null, "CC6.1", false)).get(0);
        assertThat(high.groupWait()).hasSeconds(10);
        assertThat(high.groupInterval()).hasMinutes(2);
        assertThat(high.repeatInterval()).hasHours(1);
        assertThat(high.groupKey(labels("c1", "high", null, "CC6.1", false), "f1")).isEqualTo("route.routes[0]{control=c1}");
        Route low = config.routesFor(labels("c1", "low", null, "CC6.1", false)).get(0);
        assertThat(low.groupKey(labels("c1", "low", null, "CC6.1", false), "f1")).isEqualTo("route.routes[1]{finding=f1}");
    }

    static FindingLabels labels(String control, String severity, String owner, String criterion, boolean exempted) {
        return new FindingLabels(control, "alice@example.com", severity, owner, List.of(criterion), exempted);
    }
}
