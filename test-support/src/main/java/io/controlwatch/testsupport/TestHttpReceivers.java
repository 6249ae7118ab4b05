package io.controlwatch.testsupport;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import org.testcontainers.containers.GenericContainer;

import java.util.logging.Logger;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/**
 * Real HTTP receivers for notification tests (webhooks, Slack, PagerDuty), one WireMock server per test JVM, chosen
 * like {@link TestKafka}: an external WireMock named by {@code CW_TEST_WIREMOCK_URL}; a WireMock container when a
 * Docker engine answers; otherwise WireMock in this JVM. Tests stub and verify through the same client in all
 * three; an outage is a stub that refuses (a connection reset or a 503), which works the same everywhere.
 */
public final class TestHttpReceivers {

    private static final Logger LOG = Logger.getLogger(TestHttpReceivers.class.getName());
    private static String baseUrl;
    private static WireMock client;

    private TestHttpReceivers() {
    }

    /** e.g. {@code http://127.0.0.1:41234}; receivers are paths below it. */
    public static synchronized String baseUrl() {
        if (baseUrl == null) {
            start();
        }
        return baseUrl;
    }

    public static synchronized WireMock client() {
        if (client == null) {
            start();
        }
        return client;
    }

    private static void start() {
        String external = System.getenv("CW_TEST_WIREMOCK_URL");
        if (external != null && !external.isBlank()) {
            java.net.URI uri = java.net.URI.create(external);
            baseUrl = external.replaceAll("/$", "");
            client = new WireMock(uri.getScheme(), uri.getHost(), uri.getPort());
            LOG.info("Using the external WireMock at " + baseUrl);
            return;
        }
        if (DockerEngine.available()) {
            GenericContainer<?> container = new GenericContainer<>("wiremock/wiremock:3.13.2").withExposedPorts(8080);
            container.start();
            Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "stop-wiremock-container"));
            baseUrl = "http://" + container.getHost() + ":" + container.getMappedPort(8080);
            client = new WireMock(container.getHost(), container.getMappedPort(8080));
            LOG.info("Started a WireMock container at " + baseUrl);
            return;
        }
        WireMockServer server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort()
                .containerThreads(20));
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "stop-wiremock"));
        baseUrl = "http://127.0.0.1:" + server.port();
        client = new WireMock("127.0.0.1", server.port());
        LOG.info("Started WireMock in this JVM at " + baseUrl);
    }
}
