package io.controlwatch.testsupport;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real OpenID Connect provider for tests: Keycloak, chosen once per JVM like {@link TestPostgres}:
 * <ol>
 *   <li>a running server named by {@code CW_TEST_KEYCLOAK_URL} (e.g. {@code http://127.0.0.1:8180}) whose master
 *   realm's admin is {@code CW_TEST_KEYCLOAK_ADMIN} / {@code CW_TEST_KEYCLOAK_ADMIN_PASSWORD} (admin / admin);</li>
 *   <li>otherwise the Keycloak distribution from Maven Central ({@code org.keycloak:keycloak-quarkus-dist}, unpacked by
 *   the build into the directory the system property {@code cw.keycloak.home} names), started as a process in dev
 *   mode on a free port (its own H2 database, wiped first), on {@code CW_KEYCLOAK_JAVA_HOME}, else the newest JDK
 *   installed of 25 and 21, else this JVM's Java.</li>
 * </ol>
 * Each test gets a realm of its own, rendered from the stack's realm template (deploy/local/keycloak), that signs
 * with {@link TestTokens}' key: the services verify its tokens with the key they already trust.
 */
public final class TestKeycloak {

    /** A realm made for a test: its issuer, the console client's secret and each demo user's password. */
    public record Realm(String name, String issuer, String consoleClientId, String consoleSecret,
                        String ingestClientId, String ingestClientSecret, Map<String, String> passwords) {
    }

    private static final Logger LOG = Logger.getLogger(TestKeycloak.class.getName());
    private static TestKeycloak server;

    private final String url;
    private final String admin;
    private final String adminPassword;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestKeycloak(String url, String admin, String adminPassword) {
        this.url = url.replaceAll("/+$", "");
        this.admin = admin;
        this.adminPassword = adminPassword;
    }

    public String url() {
        return url;
    }

    public static synchronized TestKeycloak server() {
        if (server == null) {
            String external = System.getenv("CW_TEST_KEYCLOAK_URL");
            if (external != null && !external.isBlank()) {
                server = new TestKeycloak(external, env("CW_TEST_KEYCLOAK_ADMIN", "admin"),
                        env("CW_TEST_KEYCLOAK_ADMIN_PASSWORD", "admin"));
            } else {
                server = startEmbedded();
            }
        }
        return server;
    }

    /**
     * Creates a realm with the five roles, one user per role (username = role name + "-user"), the console client
     * (redirects to {@code consoleUrl}) and a client-credentials ingest client.
     */
    public Realm createRealm(Path template, String consoleUrl) {
        String name = "cw-test-" + UUID.randomUUID().toString().substring(0, 8);
        String consoleSecret = UUID.randomUUID().toString();
        String ingestSecret = UUID.randomUUID().toString();
        Map<String, String> passwords = new LinkedHashMap<>();
        List<String> users = new ArrayList<>();
        for (String role : List.of("ingest", "analyst", "oncall", "auditor", "admin")) {
            String user = role + "-user";
            String password = "pw-" + UUID.randomUUID().toString().substring(0, 12);
            passwords.put(user, password);
            users.add(String.format("{\"username\": \"%s\", \"enabled\": true, \"email\": \"%s@example.com\", "
                    + "\"emailVerified\": true, \"firstName\": \"%s\", \"lastName\": \"Test\", \"realmRoles\": [\"%s\"], "
                    + "\"credentials\": [{\"type\": \"password\", \"value\": \"%s\", \"temporary\": false}]}",
                    user, user, role, role, password));
        }
        users.add("{\"username\": \"service-account-controlwatch-ingest-client\", \"enabled\": true, "
                + "\"serviceAccountClientId\": \"controlwatch-ingest-client\", \"realmRoles\": [\"ingest\"]}");
        String json;
        try {
            json = Files.readString(template)
                    .replace("@REALM@", name)
                    .replace("@USERS@", String.join(",\n", users))
                    .replace("@CONSOLE_URL@", consoleUrl)
                    .replace("@CONSOLE_SECRET@", consoleSecret)
                    .replace("@INGEST_CLIENT_SECRET@", ingestSecret)
                    .replace("@PRIVATE_KEY@", TestTokens.privateKeyBase64());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        HttpResponse<String> created = send(HttpRequest.newBuilder(URI.create(url + "/admin/realms"))
                .header("Authorization", "Bearer " + adminToken())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
        if (created.statusCode() != 201) {
            throw new IllegalStateException("Keycloak refused the realm: " + created.statusCode() + " " + created.body());
        }
        return new Realm(name, url + "/realms/" + name, "controlwatch-console", consoleSecret,
                "controlwatch-ingest-client", ingestSecret, passwords);
    }

    /** An access token of the realm's ingest client by the client-credentials grant (as machines get theirs). */
    public String clientCredentialsToken(Realm realm) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(realm.issuer() + "/protocol/openid-connect/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("grant_type", "client_credentials",
                        "client_id", realm.ingestClientId(), "client_secret", realm.ingestClientSecret())))).build());
        return accessToken(response);
    }

    private String adminToken() {
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(url + "/realms/master/protocol/openid-connect/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("grant_type", "password", "client_id", "admin-cli",
                        "username", admin, "password", adminPassword)))).build());
        return accessToken(response);
    }

    private static String accessToken(HttpResponse<String> response) {
        Matcher m = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"").matcher(response.body());
        if (response.statusCode() != 200 || !m.find()) {
            throw new IllegalStateException("no token from Keycloak: " + response.statusCode() + " " + response.body());
        }
        return m.group(1);
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String form(Map<String, String> fields) {
        StringBuilder out = new StringBuilder();
        fields.forEach((k, v) -> out.append(out.length() == 0 ? "" : "&").append(k).append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return out.toString();
    }

    private static TestKeycloak startEmbedded() {
        String home = System.getProperty("cw.keycloak.home");
        if (home == null || !Files.isExecutable(Path.of(home, "bin", "kc.sh"))) {
            throw new IllegalStateException("no Keycloak: set CW_TEST_KEYCLOAK_URL, or run through Maven, which unpacks "
                    + "org.keycloak:keycloak-quarkus-dist and sets cw.keycloak.home (now " + home + ")");
        }
        Path dir = Path.of(home);
        wipe(dir.resolve("data"));
        int port = freePort();
        String password = UUID.randomUUID().toString();
        Path log = dir.resolve("keycloak-test.log");
        String javaHome = env("CW_KEYCLOAK_JAVA_HOME", newestJava());
        ProcessBuilder builder = new ProcessBuilder(dir.resolve("bin/kc.sh").toString(), "start-dev",
                "--http-host=127.0.0.1", "--http-port=" + port, "--http-management-port=" + freePort(),
                "--cache=local", "--log-level=WARN,org.keycloak.services:INFO,io.quarkus:INFO")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("JAVA_HOME", javaHome);
        builder.environment().put("JAVA_OPTS_KC_HEAP", "-Xms64m -Xmx512m");
        builder.environment().put("KC_BOOTSTRAP_ADMIN_USERNAME", "admin");
        builder.environment().put("KC_BOOTSTRAP_ADMIN_PASSWORD", password);
        Instant started = Instant.now();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Keycloak from " + dir, e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(process), "stop-keycloak"));
        TestKeycloak keycloak = new TestKeycloak("http://127.0.0.1:" + port, "admin", password);
        try {
            Awaitility.await("Keycloak answering on " + keycloak.url).atMost(Duration.ofMinutes(4))
                    .pollInterval(Duration.ofMillis(500)).failFast(() -> !process.isAlive())
                    .until(keycloak::answers);
        } catch (ConditionTimeoutException e) {
            stop(process);
            throw new IllegalStateException("Keycloak not ready after 4 minutes; log: " + log, e);
        } catch (TerminalFailureException e) {
            throw new IllegalStateException("Keycloak exited with " + process.exitValue() + "; log: " + log, e);
        }
        LOG.info(() -> "Keycloak " + dir.getFileName() + " ready on " + keycloak.url + " after "
                + Duration.between(started, Instant.now()).toSeconds() + " s (log " + log + ")");
        return keycloak;
    }

    /** Keycloak runs on Java 17, 21 and 25 and starts markedly faster on the newest: a Temurin 25 JDK if installed. */
    private static String newestJava() {
        for (String jdk : List.of("/usr/lib/jvm/temurin-25-jdk-amd64", "/usr/lib/jvm/java-25-openjdk-amd64",
                "/usr/lib/jvm/java-21-openjdk-amd64")) {
            if (Files.isExecutable(Path.of(jdk, "bin", "java"))) {
                return jdk;
            }
        }
        return System.getProperty("java.home");
    }

    private static void stop(Process process) {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void wipe(Path data) {
        if (!Files.exists(data)) {
            return;
        }
        try (Stream<Path> files = Files.walk(data)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the server answers on its master realm yet (while it starts, connections are refused). */
    private boolean answers() {
        try {
            return send(HttpRequest.newBuilder(URI.create(url + "/realms/master")).timeout(Duration.ofSeconds(2)).build())
                    .statusCode() == 200;
        } catch (UncheckedIOException notYet) {
            return false;
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
