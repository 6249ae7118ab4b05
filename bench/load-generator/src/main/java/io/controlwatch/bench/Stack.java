package io.controlwatch.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Where the running ControlWatch is, from the environment the bench scripts export (deploy/local/.run/tokens.env
 * and services.env, as written by deploy/local/up.sh). Only 127.0.0.1 is used unless told otherwise.
 * {@code CW_INGEST_URLS} (comma-separated) names several ingest instances: the load is spread over them, as a load
 * balancer would.
 */
record Stack(String ingestUrl, String alertingUrl, String evaluationUrl, String ingestToken, String analystToken,
             String jdbcUrl, String dbUser, String dbPassword, String kafka, List<String> ingestUrls) {

    static Stack fromEnvironment() {
        Map<String, String> env = System.getenv();
        String db = env.getOrDefault("CW_DB_URL", "postgresql://127.0.0.1:5432/controlwatch");
        String ingest = env.getOrDefault("CW_INGEST_URL", "http://127.0.0.1:" + env.getOrDefault("CW_INGEST_PORT", "8081"));
        List<String> ingestUrls = Arrays.stream(env.getOrDefault("CW_INGEST_URLS", "").split(","))
                .map(String::trim).filter(u -> !u.isEmpty()).toList();
        return new Stack(
                ingestUrls.isEmpty() ? ingest : ingestUrls.get(0),
                env.getOrDefault("CW_ALERTING_URL", "http://127.0.0.1:" + env.getOrDefault("CW_ALERTING_PORT", "8083")),
                env.getOrDefault("CW_EVALUATION_URL", "http://127.0.0.1:" + env.getOrDefault("CW_EVALUATION_PORT", "8082")),
                env.getOrDefault("CW_TOKEN_INGEST", ""),
                env.getOrDefault("CW_TOKEN_ANALYST", ""),
                db.startsWith("jdbc:") ? db : "jdbc:" + db,
                env.getOrDefault("CW_DB_USER", "postgres"),
                env.getOrDefault("CW_DB_PASSWORD", ""),
                env.getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
                ingestUrls.isEmpty() ? List.of(ingest) : ingestUrls);
    }
}
