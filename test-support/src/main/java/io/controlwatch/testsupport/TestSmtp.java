package io.controlwatch.testsupport;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.logging.Logger;

/**
 * A real SMTP server for notification tests, one per test JVM: GreenMail in this JVM on a free port (its mails read
 * back with {@link #received()}; {@link #stop()} and {@link #start()} make an outage). An external SMTP server can be
 * named with {@code CW_TEST_SMTP_HOST} / {@code CW_TEST_SMTP_PORT} for a run against the real thing; the tests that
 * read mails back then skip that part. No Testcontainers tier: GreenMail is a complete SMTP server that needs no
 * Docker, and reading mails back needs it in the JVM.
 */
public final class TestSmtp {

    private static final Logger LOG = Logger.getLogger(TestSmtp.class.getName());
    private static GreenMail server;
    private static int port;

    private TestSmtp() {
    }

    /** Whether the mails sent are readable here (the in-JVM server), rather than at an external server. */
    public static boolean inJvm() {
        String external = System.getenv("CW_TEST_SMTP_HOST");
        return external == null || external.isBlank();
    }

    public static synchronized String host() {
        if (!inJvm()) {
            return System.getenv("CW_TEST_SMTP_HOST");
        }
        start();
        return "127.0.0.1";
    }

    public static synchronized int port() {
        if (!inJvm()) {
            return Integer.parseInt(System.getenv().getOrDefault("CW_TEST_SMTP_PORT", "25"));
        }
        start();
        return port;
    }

    /** Starts the in-JVM server (again, after {@link #stop()}, on the same port). */
    public static synchronized void start() {
        if (server != null) {
            return;
        }
        if (port == 0) {
            port = freePort();
        }
        server = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(TestSmtp::stop, "stop-greenmail"));
        LOG.info("Started GreenMail SMTP on 127.0.0.1:" + port);
    }

    /** Stops the in-JVM server: connections are refused until {@link #start()} (its mails are lost). */
    public static synchronized void stop() {
        if (server != null) {
            server.stop();
            server = null;
        }
    }

    /**
     * A mail server that hangs: the in-JVM server stops and its port accepts connections but never says a word (no
     * greeting), as an overloaded or half-dead SMTP server does. Closing it drops those connections and starts the
     * real server again on the same port.
     */
    public static synchronized AutoCloseable silence() throws IOException {
        int silentPort = port();
        stop();
        java.net.ServerSocket socket = new java.net.ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new java.net.InetSocketAddress("127.0.0.1", silentPort));
        List<java.net.Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread acceptor = new Thread(() -> {
            while (!socket.isClosed()) {
                try {
                    accepted.add(socket.accept());
                } catch (IOException closed) {
                    return;
                }
            }
        }, "silent-smtp");
        acceptor.setDaemon(true);
        acceptor.start();
        return () -> {
            socket.close();
            // A socket closed while another thread is blocked in accept() is released by that thread when it wakes:
            // until the acceptor has ended, the port may still be listening and GreenMail's bind fails
            acceptor.join(10_000);
            for (java.net.Socket s : accepted) {
                s.close();
            }
            start();
        };
    }

    /** Every mail the in-JVM server holds. */
    public static synchronized List<MimeMessage> received() {
        return server == null ? List.of() : List.of(server.getReceivedMessages());
    }

    /** The decoded text of a message, every text part concatenated, for assertions. */
    public static String content(MimeMessage message) {
        try {
            return text(message.getContent());
        } catch (Exception e) {
            throw new IllegalStateException("cannot read a received mail", e);
        }
    }

    private static String text(Object content) throws Exception {
        if (content instanceof jakarta.mail.Multipart multipart) {
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < multipart.getCount(); i++) {
                out.append(text(multipart.getBodyPart(i).getContent())).append('\n');
            }
            return out.toString();
        }
        return String.valueOf(content);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
