package io.controlwatch.system;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/** One packaged ControlWatch service running as its own process, as in production. */
final class ServiceProcess {

    final String name;
    final int port;
    final Path log;
    /** As started, port included, so {@link #restart()} brings back the same service. */
    private final Map<String, String> environment;
    private volatile Process process;

    private ServiceProcess(String name, int port, Path log, Map<String, String> environment, Process process) {
        this.name = name;
        this.port = port;
        this.log = log;
        this.environment = environment;
        this.process = process;
    }

    /** Starts {@code <module>/target/quarkus-app/quarkus-run.jar} with the given environment. */
    static ServiceProcess start(String module, Map<String, String> env) {
        return start(module, env, freePort());
    }

    /** As {@link #start(String, Map)}, on a port chosen before (a redirect URI must name it before the start). */
    static ServiceProcess start(String module, Map<String, String> env, int port) {
        Path log = Path.of("target", "services", module + ".log").toAbsolutePath();
        Map<String, String> environment = new HashMap<>(env);
        environment.put("QUARKUS_HTTP_PORT", String.valueOf(port));
        return new ServiceProcess(module, port, log, environment, launch(module, log, environment, false));
    }

    /** Starts the service again after {@link #kill()}: same environment and port, its log goes on. */
    void restart() {
        if (process.isAlive()) {
            throw new IllegalStateException(name + " is still running");
        }
        process = launch(name, log, environment, true);
    }

    private static Process launch(String module, Path log, Map<String, String> environment, boolean appendLog) {
        Path jar = repositoryRoot().resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: run the tests from the root with ./mvnw verify");
        }
        try {
            Files.createDirectories(log.getParent());
            String java = ProcessHandle.current().info().command().orElse("java");
            ProcessBuilder builder = new ProcessBuilder(List.of(java, "-Xmx384m", "-XX:+UseSerialGC", "-jar", jar.toString()))
                    .redirectErrorStream(true)
                    .redirectOutput(appendLog ? ProcessBuilder.Redirect.appendTo(log.toFile()) : ProcessBuilder.Redirect.to(log.toFile()));
            builder.environment().putAll(environment);
            return builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + module, e);
        }
    }

    String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    /** Waits until {@code /q/health/ready} answers 200, or fails with the end of the service's log. */
    void awaitReady(Duration timeout) {
        try {
            Awaitility.await(name + " ready").atMost(timeout).pollInterval(Duration.ofMillis(250)).until(() -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + tail());
                }
                return status(url("/q/health/ready")) == 200;
            });
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException(name + " not ready within " + timeout + ":\n" + tail(), e);
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the process to exit by itself and returns its exit code, or -1 if it is still running. */
    int awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    /** SIGKILL, as a crash: no shutdown hook, no clean close of Kafka clients or transactions. */
    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void stop() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /** The whole log of the process (a start-up failure's message comes before its stack trace). */
    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    static int status(String url) {
        try {
            HttpURLConnection connection = (HttpURLConnection) URI.create(url).toURL().openConnection();
            connection.setConnectTimeout(1000);
            connection.setReadTimeout(2000);
            int code = connection.getResponseCode();
            connection.disconnect();
            return code;
        } catch (IOException e) {
            return -1;
        }
    }

    static Path repositoryRoot() {
        String root = System.getProperty("cw.repo.root");
        return root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
