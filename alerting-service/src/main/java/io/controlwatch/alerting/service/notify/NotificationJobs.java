package io.controlwatch.alerting.service.notify;

import io.controlwatch.alerting.config.NotifyConfig;
import io.controlwatch.alerting.logging.AlertingLogging;
import io.controlwatch.alerting.logging.NotifyLogging;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The timers of notifications: the config at start and from other instances, the dispatcher (draining while a batch
 * comes back full), the sweeper. Each runs on a worker thread and awaits its reactive work on a fresh Vert.x context,
 * as Hibernate Reactive requires; a tick that fails is logged and the next one tries again.
 */
@ApplicationScoped
public class NotificationJobs {

    private final NotificationConfigs configs;
    private final Dispatcher dispatcher;
    private final Sweeper sweeper;
    private final NotifyConfig settings;

    public NotificationJobs(NotificationConfigs configs, Dispatcher dispatcher, Sweeper sweeper, NotifyConfig settings) {
        this.configs = configs;
        this.dispatcher = dispatcher;
        this.sweeper = sweeper;
        this.settings = settings;
    }

    void onStart(@Observes StartupEvent start) throws Throwable {
        // an invalid CW_NOTIFY_CONFIG stops the start, naming file, path, line and reason
        VertxContextSupport.subscribeAndAwait(configs::loadAtStart);
    }

    @Scheduled(every = "${cw.notify.dispatch.interval:500ms}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void dispatch() {
        try {
            int claimed;
            do {
                // Bounded by the lease: a batch that has not finished by then is not waited for (SKIP would keep
                // every later tick from running). Its notifications stay SENDING until the lease ends and are then
                // claimed again; a late completion of this attempt is ignored (OutboxRepository.complete).
                claimed = VertxContextSupport.subscribeAndAwait(() -> dispatcher.dispatchDue()
                        .ifNoItem().after(settings.dispatch().lease())
                        .failWith(() -> new java.util.concurrent.TimeoutException(
                                "a batch of notifications did not finish within the lease, "
                                        + settings.dispatch().lease() + "; it is claimed again when the lease ends")));
            } while (claimed >= settings.dispatch().batchSize());
        } catch (Throwable e) {
            NotifyLogging.LOG.dispatchFailed(String.valueOf(e));
        }
    }

    @Scheduled(every = "${cw.notify.sweep-interval:5s}", delayed = "2s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        try {
            VertxContextSupport.subscribeAndAwait(sweeper::sweep);
        } catch (Throwable e) {
            AlertingLogging.LOG.sweepFailed(String.valueOf(e));
        }
    }

    @Scheduled(every = "${cw.notify.config-poll:5s}", delayed = "5s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void followConfig() {
        try {
            VertxContextSupport.subscribeAndAwait(configs::refresh);
        } catch (Throwable e) {
            NotifyLogging.LOG.dispatchFailed("reading the notification config: " + e);
        }
    }
}
