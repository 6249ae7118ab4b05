import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Standard Webhooks receiver for the local stack and the bench: verifies every delivery's signature with the
 * secret(s) it is given (and that its timestamp is within 5 minutes), answers 204 (or 401 when the signature is
 * wrong), and appends one line per delivery to a log:
 *
 * <pre>received_ms webhook-id valid type finding-ids(comma-separated or -) path</pre>
 *
 * {@code GET /} lists the latest 100 deliveries with their bodies. Plain JDK, run from source:
 * {@code java WebhookReceiver.java --port 8085 --secret whsec_... --log deliveries.log [--delay-ms 0]}.
 */
public class WebhookReceiver {

    private static final Pattern TYPE = Pattern.compile("\"type\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern FINDING = Pattern.compile("\"findingId\"\\s*:\\s*\"([0-9a-f-]{36})\"");
    private static final Deque<String> LATEST = new ArrayDeque<>();

    public static void main(String[] args) throws Exception {
        int port = 8085;
        List<String> secrets = new ArrayList<>();
        Path log = Path.of("webhook-deliveries.log");
        long delay = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--secret" -> secrets.add(args[++i]);
                case "--log" -> log = Path.of(args[++i]);
                case "--delay-ms" -> delay = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("--secret whsec_... is required");
        }
        Path logFile = log;
        long delayMillis = delay;
        Writer out = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 100);
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.createContext("/", exchange -> {
            try (exchange) {
                if (exchange.getRequestMethod().equals("GET")) {
                    list(exchange);
                } else {
                    receive(exchange, secrets, out, delayMillis);
                }
            }
        });
        server.start();
        System.out.println("Webhook receiver on http://127.0.0.1:" + port + "/ (log " + logFile.toAbsolutePath() + ")");
    }

    private static void receive(HttpExchange exchange, List<String> secrets, Writer out, long delayMillis)
            throws IOException {
        long now = System.currentTimeMillis();
        if (delayMillis > 0) {
            // a slow receiver (the bench: deliveries are in flight when the sender is killed)
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String id = header(exchange, "webhook-id");
        String timestamp = header(exchange, "webhook-timestamp");
        String signatures = header(exchange, "webhook-signature");
        boolean valid = verify(secrets, id, timestamp, signatures, body, now);
        Matcher type = TYPE.matcher(body);
        List<String> findings = new ArrayList<>();
        Matcher finding = FINDING.matcher(body);
        while (finding.find()) {
            findings.add(finding.group(1));
        }
        String line = now + " " + (id.isEmpty() ? "-" : id) + " " + valid + " " + (type.find() ? type.group(1) : "-")
                + " " + (findings.isEmpty() ? "-" : String.join(",", findings)) + " " + exchange.getRequestURI().getPath();
        synchronized (out) {
            out.write(line + "\n");
            out.flush();
            LATEST.addFirst(line + "\n  " + body);
            while (LATEST.size() > 100) {
                LATEST.removeLast();
            }
        }
        exchange.sendResponseHeaders(valid ? 204 : 401, -1);
    }

    static boolean verify(List<String> secrets, String id, String timestamp, String signatures, String body, long now) {
        try {
            if (Math.abs(now / 1000 - Long.parseLong(timestamp)) > 300) {
                return false;
            }
            for (String secret : secrets) {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.replaceFirst("^whsec_", "")), "HmacSHA256"));
                String expected = "v1," + Base64.getEncoder().encodeToString(
                        mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
                for (String signature : signatures.split(" ")) {
                    if (signature.equals(expected)) {
                        return true;
                    }
                }
            }
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    private static void list(HttpExchange exchange) throws IOException {
        StringBuilder page = new StringBuilder("Latest deliveries (received_ms webhook-id signature-valid type findings path):\n\n");
        synchronized (LATEST) {
            LATEST.forEach(d -> page.append(d).append("\n\n"));
        }
        byte[] bytes = page.toString().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream body = exchange.getResponseBody()) {
            body.write(bytes);
        }
    }

    private static String header(HttpExchange exchange, String name) {
        String value = exchange.getRequestHeaders().getFirst(name);
        return value == null ? "" : value;
    }
}
