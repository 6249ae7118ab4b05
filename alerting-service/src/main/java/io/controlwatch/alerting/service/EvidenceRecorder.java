package io.controlwatch.alerting.service;

import io.controlwatch.alerting.persistence.EvidenceRepository;
import io.controlwatch.alerting.persistence.EvidenceRepository.StoredCount;
import io.controlwatch.model.ControlDefinition;
import io.controlwatch.model.ControlExecution;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Records executions, their failures and the control catalog, each call in one transaction. */
@ApplicationScoped
public class EvidenceRecorder {

    /** Largest number of executions stored by one statement (a consumer batch holds at most 500 anyway). */
    static final int STATEMENT_BATCH = 500;

    private final EvidenceRepository repository;
    private final MeterRegistry registry;

    public EvidenceRecorder(EvidenceRepository repository, MeterRegistry registry) {
        this.repository = repository;
        this.registry = registry;
    }

    /**
     * Stores a batch of executions atomically. Executions already stored are skipped, so calling this again with
     * the same batch (after a crash or a redelivery) stores nothing twice.
     */
    @WithTransaction
    public Uni<Void> record(List<ControlExecution> executions) {
        // one id appears once per statement: a batch may hold the same execution twice (redelivery, replays)
        Map<String, ControlExecution> distinct = new LinkedHashMap<>();
        executions.forEach(e -> distinct.putIfAbsent(e.executionId(), e));
        List<ControlExecution> unique = List.copyOf(distinct.values());

        Uni<Void> chain = Uni.createFrom().voidItem();
        for (int from = 0; from < unique.size(); from += STATEMENT_BATCH) {
            List<ControlExecution> slice = unique.subList(from, Math.min(unique.size(), from + STATEMENT_BATCH));
            chain = chain.chain(() -> repository.store(slice)).invoke(this::count).replaceWithVoid();
        }
        return chain;
    }

    @WithTransaction
    public Uni<Void> recordControl(ControlDefinition control) {
        return repository.upsertControl(control).replaceWithVoid().invoke(() -> {
            // a control's series exist at zero from the moment it is known, not from its first execution
            for (String result : List.of("pass", "fail", "error")) {
                registry.counter("cw.executions.recorded", "control", control.id(), "result", result);
            }
            registry.counter("cw.failures.recorded", "control", control.id());
        });
    }

    private void count(List<StoredCount> stored) {
        // Counted after the statement, inside the transaction; a rolled-back batch may over-count by one
        // attempt, which metrics tolerate and the evidence tables never do.
        for (StoredCount c : stored) {
            registry.counter("cw.executions.recorded", "control", c.controlId(), "result", c.result().toLowerCase())
                    .increment(c.count());
            if ("FAIL".equals(c.result())) {
                registry.counter("cw.failures.recorded", "control", c.controlId()).increment(c.count());
            }
        }
    }
}
