package io.controlwatch.system;

import io.controlwatch.testsupport.TestEvidenceKeys;
import io.controlwatch.testsupport.TestKafka;
import io.controlwatch.testsupport.TestPostgres;
import io.controlwatch.testsupport.TestTokens;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The whole system for end-to-end tests: a real Kafka broker and PostgreSQL database (see test-support) and the
 * three packaged services as separate processes. Started once per test JVM, stopped at exit.
 */
final class ControlWatchStack {

    private static ControlWatchStack instance;

    final ServiceProcess ingest;
    final ServiceProcess evaluation;
    final ServiceProcess alerting;
    final String kafka;
    final TestPostgres.Database database;

    private ControlWatchStack(ServiceProcess ingest, ServiceProcess evaluation, ServiceProcess alerting,
                              String kafka, TestPostgres.Database database) {
        this.ingest = ingest;
        this.evaluation = evaluation;
        this.alerting = alerting;
        this.kafka = kafka;
        this.database = database;
    }

    static synchronized ControlWatchStack get() {
        if (instance == null) {
            instance = start();
            Runtime.getRuntime().addShutdownHook(new Thread(instance::stop, "stop-controlwatch"));
        }
        return instance;
    }

    /** The environment every service gets: where Kafka, PostgreSQL and the token key are. */
    static Map<String, String> environment(String kafka, TestPostgres.Database db) {
        // unique consumer groups, so a run against a shared external broker starts from a clean slate
        String run = UUID.randomUUID().toString().substring(0, 8);
        return Map.ofEntries(
                Map.entry("KAFKA_BOOTSTRAP_SERVERS", kafka),
                Map.entry("MP_JWT_VERIFY_PUBLICKEY_LOCATION", TestTokens.publicKeyFile().toString()),
                Map.entry("MP_JWT_VERIFY_ISSUER", TestTokens.ISSUER),
                Map.entry("CW_DB_URL", db.reactiveUrl()),
                Map.entry("CW_DB_USER", db.user()),
                Map.entry("CW_DB_PASSWORD", db.password()),
                // seals source secrets on ingest's registry topic; a fixed test key, as the JWT key above
                Map.entry("CW_SOURCES_SECRET_KEY", "c3lzdGVtLXRlc3RzLXNvdXJjZS1zZWNyZXQta2V5ISE="),
                // the alerting service signs checkpoints and export manifests, as in production (AuditorExportIT)
                Map.entry("CW_EVIDENCE_SIGNING_KEY", TestEvidenceKeys.privateKeyFile().toString()),
                Map.entry("CW_EVIDENCE_PUBLIC_KEY", TestEvidenceKeys.publicKeyFile().toString()),
                Map.entry("CW_EVIDENCE_CHECKPOINT_EVERY", "1s"),
                Map.entry("QUARKUS_KAFKA_STREAMS_APPLICATION_ID", "cw-evaluation-systest-" + run),
                Map.entry("CW_CONSUMER_GROUP", "cw-alerting-systest-" + run));
    }

    private static ControlWatchStack start() {
        String kafka = TestKafka.bootstrapServers();
        TestPostgres.Database db = TestPostgres.database();
        Map<String, String> env = environment(kafka, db);
        ServiceProcess ingest = ServiceProcess.start("ingest-service", env);
        ServiceProcess evaluation = ServiceProcess.start("evaluation-service", env);
        ServiceProcess alerting = ServiceProcess.start("alerting-service", env);
        try {
            for (ServiceProcess service : List.of(ingest, evaluation, alerting)) {
                service.awaitReady(Duration.ofSeconds(120));
            }
        } catch (RuntimeException e) {
            // no stack object, no shutdown hook: stop what was started, or it outlives the test JVM
            List.of(ingest, evaluation, alerting).forEach(ServiceProcess::stop);
            throw e;
        }
        return new ControlWatchStack(ingest, evaluation, alerting, kafka, db);
    }

    private void stop() {
        List.of(ingest, evaluation, alerting).forEach(ServiceProcess::stop);
    }
}
