package io.controlwatch.alerting.service.routing;

import java.net.URI;
import java.util.List;

/** Where notifications go: one named receiver of the notification config. */
public sealed interface Receiver {

    String name();

    /** {@code webhook}, {@code slack}, {@code pagerduty} or {@code email}: also the metrics' and API's kind label. */
    String kind();

    /** A Standard Webhooks receiver: body a CloudEvent, signed with the first secret (and the second, in rotation). */
    record Webhook(String name, URI url, List<String> secrets) implements Receiver {
        @Override
        public String kind() {
            return "webhook";
        }
    }

    /** A Slack incoming webhook (its URL is the secret). */
    record Slack(String name, URI url) implements Receiver {
        @Override
        public String kind() {
            return "slack";
        }
    }

    /** A PagerDuty Events API v2 integration. */
    record PagerDuty(String name, String routingKey, URI url) implements Receiver {
        @Override
        public String kind() {
            return "pagerduty";
        }
    }

    /** E-mail through the service's SMTP server (quarkus.mailer.*). */
    record Email(String name, List<String> to, String from) implements Receiver {
        @Override
        public String kind() {
            return "email";
        }
    }
}
