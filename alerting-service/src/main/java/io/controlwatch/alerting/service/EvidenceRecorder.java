package io.controlwatch.alerting.service;

import io.controlwatch.alerting.config.FindingsConfig;
import io.controlwatch.alerting.config.NotifyConfig;
import io.controlwatch.alerting.persistence.EvidenceRepository;
import io.controlwatch.alerting.persistence.EvidenceRepository.Stored;
import io.controlwatch.alerting.persistence.FindingRepository;
import io.controlwatch.alerting.persistence.OutboxRepository;
import io.controlwatch.alerting.service.evidence.EvidenceChainer;
import io.controlwatch.alerting.service.exemptions.Exemption;
import io.controlwatch.evidence.EvidenceRow;
import io.controlwatch.alerting.service.findings.ExecutionFact;
import io.controlwatch.alerting.service.findings.Finding;
import io.controlwatch.alerting.service.findings.FindingLifecycle;
import io.controlwatch.alerting.service.findings.FindingLifecycle.Key;
import io.controlwatch.alerting.service.notify.NotificationConfigs;
import io.controlwatch.alerting.service.notify.NotificationPlanner;
import io.controlwatch.model.ControlDefinition;
import io.controlwatch.model.PackVersion;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ExecutionResult;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

import static io.controlwatch.alerting.persistence.EvidenceRepository.storable;

/**
 * Records executions, their failures, the findings they form and the notifications those cause, each call in one
 * transaction; and the control catalog.
 */
@ApplicationScoped
public class EvidenceRecorder {

    /** Largest number of executions stored by one statement (a consumer batch holds at most 500 anyway). */
    static final int STATEMENT_BATCH = 500;

    private final EvidenceRepository repository;
    private final FindingRepository findings;
    private final OutboxRepository outbox;
    private final NotificationConfigs configs;
    private final FindingLifecycle lifecycle;
    private final NotifyConfig notify;
    private final MeterRegistry registry;
    private final Clock clock;
    private final EvidenceMeters evidenceMeters;

    public EvidenceRecorder(EvidenceRepository repository, FindingRepository findings, OutboxRepository outbox,
                            NotificationConfigs configs, FindingsConfig findingsConfig, NotifyConfig notify,
                            MeterRegistry registry, Clock clock, EvidenceMeters evidenceMeters) {
        this.repository = repository;
        this.findings = findings;
        this.outbox = outbox;
        this.configs = configs;
        this.lifecycle = new FindingLifecycle(findingsConfig.policy());
        this.notify = notify;
        this.registry = registry;
        this.clock = clock;
        this.evidenceMeters = evidenceMeters;
    }

    /** An execution as delivered: its executions-topic partition and offset fix its place in the evidence chain. */
    public record Delivered(ControlExecution execution, int partition, long offset) {
    }

    /**
     * Stores a batch of executions atomically, each with its link in its partition's evidence chain, with the
     * findings they form and the notifications those cause. Executions already stored are skipped (no second link),
     * and only new ones change findings, so calling this again with the same batch (after a crash or a redelivery)
     * stores nothing twice and changes no finding twice.
     */
    @WithTransaction
    public Uni<Void> record(List<Delivered> executions) {
        // one id appears once per statement: a batch may hold the same execution twice (redelivery, replays);
        // the first delivery (lowest offset) is the one chained
        Map<UUID, Delivered> distinct = new LinkedHashMap<>();
        executions.forEach(e -> distinct.putIfAbsent(UUID.fromString(e.execution().executionId()), e));
        List<Delivered> unique = List.copyOf(distinct.values());

        Uni<Void> chain = Uni.createFrom().voidItem();
        for (int from = 0; from < unique.size(); from += STATEMENT_BATCH) {
            List<Delivered> slice = unique.subList(from, Math.min(unique.size(), from + STATEMENT_BATCH));
            chain = chain.chain(() -> recordSlice(slice));
        }
        return chain;
    }

    private Uni<Void> recordSlice(List<Delivered> delivered) {
        Instant now = clock.instant();
        NotificationConfigs.Active config = configs.current();
        List<ControlExecution> slice = delivered.stream().map(Delivered::execution).toList();
        List<Key> keys = slice.stream()
                .filter(e -> e.result() == ExecutionResult.FAIL || e.result() == ExecutionResult.PASS)
                .map(e -> new Key(e.controlId(), Finding.keyOf(storable(e.subject())))).toList();
        Set<Key> failing = slice.stream().filter(e -> e.result() == ExecutionResult.FAIL)
                .map(e -> new Key(e.controlId(), Finding.keyOf(storable(e.subject())))).collect(Collectors.toSet());
        Uni<FindingRepository.Loaded> state = keys.isEmpty() ? Uni.createFrom().nullItem() : findings.load(keys, failing);
        return state.chain(loaded -> {
            Map<String, String> exemptions = loaded == null ? Map.of() : covered(slice, loaded.exemptions(), now);
            return chainAndStore(delivered, exemptions).chain(stored -> {
                count(stored);
                evidenceMeters.stored(stored, slice, clock.instant());
                if (loaded == null) {
                    return Uni.createFrom().voidItem();
                }
                Set<String> fresh = stored.stream().map(Stored::executionId).collect(Collectors.toSet());
                List<ExecutionFact> facts = slice.stream()
                        .filter(e -> fresh.contains(e.executionId()))
                        .map(e -> fact(e, exemptions.get(e.executionId()))).toList();
                FindingLifecycle.Outcome outcome = lifecycle.apply(loaded.state(), facts, now);
                if (outcome.isEmpty()) {
                    return Uni.createFrom().voidItem();
                }
                var intents = NotificationPlanner.plan(outcome.events(), config.config(), loaded.told());
                return findings.write(outcome.findings(), outcome.history(), outcome.evidence())
                        .chain(() -> outbox.enqueue(intents, now, config.version(), notify.dispatch().deadAfter()));
            });
        });
    }

    /**
     * Locks the chain heads of the slice's partitions, skips the executions already stored, chains the others in
     * offset order and stores them with their links and the new heads: two statements more per slice than storing
     * alone, none per row.
     */
    private Uni<List<Stored>> chainAndStore(List<Delivered> delivered, Map<String, String> exemptions) {
        Set<Integer> partitions = new TreeSet<>();
        delivered.forEach(d -> partitions.add(d.partition()));
        return repository.lockHeads(partitions).chain(heads -> repository.existing(
                delivered.stream().map(d -> UUID.fromString(d.execution().executionId()).toString()).toList()
        ).chain(existing -> {
            List<EvidenceChainer.Positioned> rows = new ArrayList<>(delivered.size());
            Map<String, ControlExecution> byId = new HashMap<>();
            for (Delivered d : delivered) {
                EvidenceRow row = EvidenceRepository.evidenceRow(d.execution(),
                        exemptions.get(d.execution().executionId()));
                if (!existing.contains(row.executionId())) {
                    rows.add(new EvidenceChainer.Positioned(row, d.partition(), d.offset()));
                    byId.put(row.executionId(), d.execution());
                }
            }
            EvidenceChainer.Plan plan = EvidenceChainer.append(heads, rows);
            List<EvidenceRepository.ChainedExecution> chained = plan.rows().stream()
                    .map(s -> new EvidenceRepository.ChainedExecution(byId.get(s.row().executionId()), s)).toList();
            return repository.store(chained, plan.heads()).map(result -> {
                if (result.stored() != chained.size() || result.headsWritten() != plan.heads().size()) {
                    // rolled back with the transaction and retried: the retry sees what the other writer stored
                    throw new EvidenceChainer.ChainConflict(chained.size() + " executions chained, "
                            + result.stored() + " stored; " + plan.heads().size() + " chain heads moved, "
                            + result.headsWritten() + " written: another writer stored some of them meanwhile");
                }
                // every row sent was stored (a skipped one would have failed the count above)
                return chained.stream().map(EvidenceRepository::stored).toList();
            });
        }));
    }

    /** The exemption covering each failure, by execution id (the longest-standing one when several do). */
    private static Map<String, String> covered(List<ControlExecution> slice, List<Exemption> active, Instant now) {
        if (active.isEmpty()) {
            return Map.of();
        }
        List<Exemption> ordered = new ArrayList<>(active);
        ordered.sort(Comparator.comparing(Exemption::decidedAt, Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(Exemption::exemptionId));
        Map<String, String> covered = new HashMap<>();
        for (ControlExecution e : slice) {
            if (e.result() != ExecutionResult.FAIL) {
                continue;
            }
            String subject = storable(e.subject());
            ordered.stream().filter(x -> x.covers(e.controlId(), subject, now)).findFirst()
                    .ifPresent(x -> covered.put(e.executionId(), x.exemptionId()));
        }
        return covered;
    }

    private static ExecutionFact fact(ControlExecution e, String exemptionId) {
        String subject = storable(e.subject() == null || e.subject().isEmpty() ? null : e.subject());
        return new ExecutionFact(e.executionId(), e.controlId(), e.controlTitle(), subject, e.result().name(),
                e.severity().json(), e.criteria(), storable(e.message()), storable(e.reason()), e.eventTime(),
                e.backfilled(), exemptionId);
    }

    /** Records the pack version the evaluation service activated, unless a later activation is already known. */
    @WithTransaction
    public Uni<Void> recordActivePack(PackVersion active) {
        return repository.recordActivePack(active).replaceWithVoid();
    }

    @WithTransaction
    public Uni<Void> recordControl(ControlDefinition control) {
        return repository.upsertControl(control).replaceWithVoid().invoke(() -> {
            evidenceMeters.known(control.criteria(), control.severity().json());
            // a control's series exist at zero from the moment it is known, not from its first execution
            for (String result : List.of("pass", "fail", "error")) {
                registry.counter("cw.executions.recorded", "control", control.id(), "result", result);
            }
            registry.counter("cw.failures.recorded", "control", control.id());
        });
    }

    private void count(List<Stored> stored) {
        // Counted after the statement, inside the transaction; a rolled-back batch may over-count by one
        // attempt, which metrics tolerate and the evidence tables never do.
        Map<String, Map<String, Long>> counts = new HashMap<>();
        for (Stored s : stored) {
            counts.computeIfAbsent(s.controlId(), c -> new HashMap<>()).merge(s.result(), 1L, Long::sum);
        }
        counts.forEach((control, byResult) -> byResult.forEach((result, n) -> {
            registry.counter("cw.executions.recorded", "control", control, "result", result.toLowerCase())
                    .increment(n);
            if ("FAIL".equals(result)) {
                registry.counter("cw.failures.recorded", "control", control).increment(n);
            }
        }));
    }
}
