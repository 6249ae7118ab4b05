package io.controlwatch.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/** Points a Quarkus test at a fresh database of {@link TestPostgres}. */
public class PostgresTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        TestPostgres.Database db = TestPostgres.database();
        return Map.of("cw.db.url", db.reactiveUrl(),
                "cw.db.user", db.user(),
                "cw.db.password", db.password());
    }

    @Override
    public void stop() {
        // dropped at JVM exit by TestPostgres
    }
}
