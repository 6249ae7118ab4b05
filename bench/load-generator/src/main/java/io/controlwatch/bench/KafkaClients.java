package io.controlwatch.bench;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Kafka client settings of the bench tools: the bootstrap servers plus the same security settings the services take,
 * from the same environment variables (KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM, KAFKA_SASL_JAAS_CONFIG,
 * KAFKA_SSL_TRUSTSTORE_LOCATION, …: the name lower-cased with dots for underscores), so a TLS/SASL broker works for
 * both.
 */
final class KafkaClients {

    private KafkaClients() {
    }

    static Map<String, Object> config(String bootstrapServers, Map<String, Object> specific) {
        Map<String, Object> config = new HashMap<>(security(System.getenv()));
        config.put("bootstrap.servers", bootstrapServers);
        config.putAll(specific);
        return config;
    }

    static Map<String, Object> security(Map<String, String> environment) {
        Map<String, Object> config = new HashMap<>();
        environment.forEach((name, value) -> {
            if (!name.startsWith("KAFKA_") || value == null || value.isEmpty()) {
                return;
            }
            String key = name.substring("KAFKA_".length()).toLowerCase(Locale.ROOT).replace('_', '.');
            if (key.startsWith("security.") || key.startsWith("sasl.") || key.startsWith("ssl.")) {
                config.put(key, value);
            }
        });
        return config;
    }
}
