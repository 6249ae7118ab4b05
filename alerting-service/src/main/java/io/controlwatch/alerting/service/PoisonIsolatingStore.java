package io.controlwatch.alerting.service;

import io.controlwatch.alerting.config.StoreConfig;
import io.controlwatch.alerting.logging.AlertingLogging;
import io.controlwatch.model.ControlExecution;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Stores a batch of executions so that one record can never stop the others: a batch the database refuses is split
 * until the records it refuses are found; those are handed back as poison (to be dead-lettered with the reason) and
 * everything else is stored. Only a database that is away is waited out, however long; meanwhile
 * {@link StoreProgress} turns readiness down once the wait exceeds its limit.
 * <p>
 * A failure of unknown cause is retried a few times, then the batch is split too. A record whose store fails while
 * others of its batch store is poison; when nothing of the batch can be stored the cause is the system (a bug, a
 * schema out of step), not the records, and the batch waits rather than sending good evidence away.
 */
@ApplicationScoped
public class PoisonIsolatingStore {

    /**
     * An execution, what it came from (its Kafka record), so poison can be dead-lettered as it arrived, and its
     * position on the executions topic, its place in the evidence chain.
     */
    public record Item<R>(R origin, ControlExecution execution, int partition, long offset) {
    }

    /** A record the database refuses, and why. */
    public record Poison<R>(R origin, String reasonCode, String reason) {
    }

    /** What one attempt at a set of items came to. */
    private record Result<R>(int stored, List<Poison<R>> poison, List<Item<R>> unresolved, String unresolvedReason) {
        static <R> Result<R> stored(int count) {
            return new Result<>(count, List.of(), List.of(), null);
        }

        Result<R> plus(Result<R> other) {
            List<Poison<R>> p = new ArrayList<>(poison);
            p.addAll(other.poison);
            List<Item<R>> u = new ArrayList<>(unresolved);
            u.addAll(other.unresolved);
            return new Result<>(stored + other.stored, p, u, unresolvedReason != null ? unresolvedReason : other.unresolvedReason);
        }
    }

    private final EvidenceRecorder recorder;
    private final StoreProgress progress;
    private final StoreConfig config;

    public PoisonIsolatingStore(EvidenceRecorder recorder, StoreProgress progress, StoreConfig config) {
        this.recorder = recorder;
        this.progress = progress;
        this.config = config;
    }

    /**
     * Stores every item that can be stored and returns the ones that cannot. Completes only when each item is either
     * stored or poison: the caller may then commit the batch's offsets.
     */
    public <R> Uni<List<Poison<R>>> store(List<Item<R>> items) {
        if (items.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        // Hibernate Reactive must run on the Vert.x context the batch arrived on, also after a delayed retry.
        Context context = Vertx.currentContext();
        Executor onContext = context == null ? Runnable::run : command -> context.runOnContext(ignored -> command.run());
        return storeUntilResolved(items, onContext, 1);
    }

    private <R> Uni<List<Poison<R>>> storeUntilResolved(List<Item<R>> items, Executor onContext, int round) {
        return attempt(items, onContext, 1).chain(result -> {
            if (result.unresolved().isEmpty()) {
                return done(result);
            }
            if (result.stored() > 0 || !result.poison().isEmpty()) {
                // others of the batch were stored or refused for a reason: these fail on their own account
                List<Poison<R>> poison = new ArrayList<>(result.poison());
                result.unresolved().forEach(i -> poison.add(new Poison<>(i.origin(), "store-failed",
                        "cannot be stored while the rest of its batch can: " + result.unresolvedReason())));
                return done(new Result<>(result.stored(), poison, List.of(), null));
            }
            // nothing could be stored at all: a systemic cause; wait and try the whole batch again
            progress.failing(result.unresolvedReason());
            AlertingLogging.LOG.storeRetry("store " + items.size() + " executions", result.unresolvedReason());
            return Uni.createFrom().voidItem().onItem().delayIt().by(backoff(round)).emitOn(onContext)
                    .chain(() -> storeUntilResolved(items, onContext, round + 1));
        });
    }

    private <R> Uni<List<Poison<R>>> done(Result<R> result) {
        progress.progressed();
        return Uni.createFrom().item(result.poison());
    }

    private <R> Uni<Result<R>> attempt(List<Item<R>> items, Executor onContext, int attempt) {
        List<EvidenceRecorder.Delivered> executions = items.stream()
                .map(i -> new EvidenceRecorder.Delivered(i.execution(), i.partition(), i.offset())).toList();
        return Uni.createFrom().deferred(() -> recorder.record(executions))
                .map(ignored -> {
                    progress.progressed();
                    return Result.<R>stored(items.size());
                })
                .onFailure().recoverWithUni(failure -> {
                    StoreFailures.Kind kind = StoreFailures.classify(failure);
                    String reason = StoreFailures.describe(failure);
                    if (kind == StoreFailures.Kind.TRANSIENT
                            || (kind == StoreFailures.Kind.UNKNOWN && attempt < config.attemptsBeforeSplit())) {
                        progress.failing(reason);
                        AlertingLogging.LOG.storeRetry("store " + items.size() + " executions", reason);
                        return Uni.createFrom().voidItem().onItem().delayIt().by(backoff(attempt)).emitOn(onContext)
                                .chain(() -> attempt(items, onContext, attempt + 1));
                    }
                    if (items.size() == 1) {
                        Item<R> item = items.get(0);
                        if (kind == StoreFailures.Kind.DATA) {
                            String state = StoreFailures.sqlState(failure);
                            return Uni.createFrom().item(new Result<>(0,
                                    List.of(new Poison<>(item.origin(), "store-rejected-" + state, reason)), List.of(), null));
                        }
                        return Uni.createFrom().item(new Result<>(0, List.of(), List.of(item), reason));
                    }
                    AlertingLogging.LOG.storeSplit(items.size(), reason);
                    List<Item<R>> left = items.subList(0, items.size() / 2);
                    List<Item<R>> right = items.subList(items.size() / 2, items.size());
                    return attempt(left, onContext, 1).chain(a -> attempt(right, onContext, 1).map(a::plus));
                });
    }

    private Duration backoff(int attempt) {
        long millis = config.firstRetry().toMillis() << Math.min(attempt - 1, 16);
        return Duration.ofMillis(Math.min(millis, config.maxRetry().toMillis()));
    }
}
