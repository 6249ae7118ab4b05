package io.controlwatch.testsupport;

import org.testcontainers.DockerClientFactory;

import java.nio.file.Files;
import java.nio.file.Path;

/** Whether Testcontainers can be used here. Asked once; cheap and quiet on machines without Docker. */
final class DockerEngine {

    private static Boolean available;

    private DockerEngine() {
    }

    static synchronized boolean available() {
        if (available == null) {
            available = probe();
        }
        return available;
    }

    private static boolean probe() {
        // Without a socket or DOCKER_HOST there is nothing to ask; Testcontainers would only log an error.
        if (System.getenv("DOCKER_HOST") == null && !Files.exists(Path.of("/var/run/docker.sock"))) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) {
            return false;
        }
    }
}
