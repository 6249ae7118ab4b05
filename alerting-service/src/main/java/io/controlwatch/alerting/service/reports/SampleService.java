package io.controlwatch.alerting.service.reports;

import io.controlwatch.alerting.config.ReportsConfig;
import io.controlwatch.evidence.sampling.Sample;
import io.controlwatch.evidence.sampling.Sampling;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.ZoneOffset;

/**
 * Draws a reproducible sample of one control's executions in a period with evidence-integrity's {@link Sampling}
 * (the algorithm docs/auditors.md lets an auditor re-run with a shell). The population streams from PostgreSQL
 * through a cursor in execution-id order (a uuid sorts as its lower-case text, the order the population hash needs),
 * so the service holds only the current best {@code size} ids however large the population is.
 */
@ApplicationScoped
public class SampleService {

    private static final String POPULATION = """
            select execution_id from control_execution
            where control_id = $1 and event_time >= $2 and event_time < $3
            order by execution_id
            """;

    private final Pool pool;
    private final ReportsConfig config;

    public SampleService(Pool pool, ReportsConfig config) {
        this.pool = pool;
        this.config = config;
    }

    public Uni<Sample> draw(String control, Instant from, Instant to, String seed, int size) {
        Sampling.Drawer drawer = Sampling.drawer(seed, size);
        // a cursor needs a transaction; it is read-only and ends with the stream
        return pool.withTransaction(connection -> connection.prepare(POPULATION)
                        .chain(statement -> statement.createStream(config.sampleFetchSize(),
                                        Tuple.of(control, from.atOffset(ZoneOffset.UTC), to.atOffset(ZoneOffset.UTC)))
                                .toMulti()
                                .onItem().invoke(row -> drawer.accept(row.getUUID(0).toString()))
                                .onItem().ignoreAsUni()
                                .eventually(statement::close)))
                .map(ignored -> drawer.finish());
    }
}
