package io.controlwatch.alerting.service.notify;

import org.junit.jupiter.api.Test;

import java.time.Clock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * A service still loading its notification config at start knows no receiver: the dispatcher would put every due
 * notification off by the longest retry as if its receiver had been removed (a page 10 minutes late after a restart,
 * bench/faults.sh alerting-kill-notify), and the sweeper would remind and escalate to nobody. Until the load, both
 * do nothing: no outbox, database or clock is touched (here there are none, so any use would fail).
 */
class BeforeTheConfigIsLoadedTest {

    private final NotificationConfigs notLoaded = new NotificationConfigs(null, null, null, Clock.systemUTC());

    @Test
    void theDispatcherClaimsNothing() {
        assertThat(notLoaded.loaded()).isFalse();
        Dispatcher dispatcher = new Dispatcher(null, notLoaded, null, null, null, null, null, null);
        assertThat(dispatcher.dispatchDue().await().indefinitely()).isZero();
    }

    @Test
    void theSweeperSweepsNothing() {
        Sweeper sweeper = new Sweeper(null, null, notLoaded, null, null, null, null);
        assertThatCode(() -> sweeper.sweep().await().indefinitely()).doesNotThrowAnyException();
    }
}
