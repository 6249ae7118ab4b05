package io.controlwatch.alerting.service.routing;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Invalid documents are refused whole, naming path, line and reason. */
class NotificationConfigLoaderTest {

    static final String VALID = """
            formatVersion: 1
            receivers:
              - name: hook
                webhook:
                  url: https://example.com/hook
                  secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw]
            route:
              receiver: hook
              routes:
                - match: {severity: [high]}
            """;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "unknown field      | formatVersion: 1                      | formatVersionn: 1           | 1  | unknown field 'formatVersionn'",
            "wrong version      | formatVersion: 1                      | formatVersion: 2            | 1  | must be 1",
            "unknown receiver   | route:\\n  receiver: hook             | route:\\n  receiver: nope        | 8  | names no receiver",
            "bad URL            | url: https://example.com/hook         | url: ftp://example.com/hook | 5  | http(s) URL",
            "bad secret         | [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw] | [not-a-secret]           | 6  | Standard Webhooks secret",
            "bad severity       | severity: [high]                      | severity: [urgent]          | 10 | unknown severity",
            "bad duration       | receiver: hook\\n  routes:             | receiver: hook\\n  groupWait: soon\\n  routes: | 9 | not a duration",
            "two kinds          | webhook:                              | slack: {url: https://x.example.com}\\n    webhook: | 3 | exactly one of"})
    void refusesInvalidDocuments(String name, String from, String to, int line, String reason) {
        String yaml = VALID.replace(from.replace("\\n", "\n"), to.replace("\\n", "\n"));
        assertThat(yaml).isNotEqualTo(VALID);
        assertThatThrownBy(() -> NotificationConfigLoader.parse(yaml, "notifications.yaml"))
                .isInstanceOf(NotificationConfigException.class)
                .hasMessageContaining("notifications.yaml")
                .hasMessageContaining(reason)
                .satisfies(e -> assertThat(((NotificationConfigException) e).line()).isEqualTo(line));
    }

    @org.junit.jupiter.api.Test
    void readsAValidDocument() {
        NotificationConfig config = NotificationConfigLoader.parse(VALID, "test");
        assertThat(config.receivers()).containsKey("hook");
        assertThat(config.route().routes()).hasSize(1);
        assertThat(config.sha256()).startsWith("sha256:");
    }
}
