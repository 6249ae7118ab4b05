package io.controlwatch.alerting.notify;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/** Quick retries and ticks, so outbox behaviour shows within seconds of test time. */
public class NotifyTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return Map.of("cw.notify.dispatch.interval", "200ms",
                "cw.notify.dispatch.first-retry", "200ms",
                "cw.notify.dispatch.max-retry", "2s",
                // a receiver that never answers costs the tests this long per attempt
                "cw.notify.dispatch.timeout", "3s",
                "cw.notify.sweep-interval", "300ms",
                "cw.notify.config-poll", "1s");
    }

    @Override
    public void stop() {
    }
}
