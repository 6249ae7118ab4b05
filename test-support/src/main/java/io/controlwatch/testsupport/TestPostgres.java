package io.controlwatch.testsupport;

import org.testcontainers.postgresql.PostgreSQLContainer;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.logging.Logger;

/**
 * A real PostgreSQL database for integration tests, one fresh database per test JVM (dropped at exit), on a
 * server chosen in this order:
 * <ol>
 *   <li>an external server named by {@code CW_TEST_DB_HOST} (+ {@code CW_TEST_DB_PORT}, {@code CW_TEST_DB_USER},
 *   {@code CW_TEST_DB_PASSWORD});</li>
 *   <li>a Testcontainers PostgreSQL when a Docker engine answers;</li>
 *   <li>otherwise the local server on 127.0.0.1:5432 (user postgres, trust auth).</li>
 * </ol>
 */
public final class TestPostgres {

    /** Where the test database lives. {@link #reactiveUrl()} and {@link #jdbcUrl()} point at the fresh database. */
    public record Database(String host, int port, String name, String user, String password) {
        public String jdbcUrl() {
            return "jdbc:" + reactiveUrl();
        }

        public String reactiveUrl() {
            return "postgresql://" + host + ":" + port + "/" + name;
        }
    }

    private static final Logger LOG = Logger.getLogger(TestPostgres.class.getName());
    private static Database database;

    private TestPostgres() {
    }

    public static synchronized Database database() {
        if (database == null) {
            database = createFreshDatabase(server());
        }
        return database;
    }

    /**
     * Another fresh database on the same server, dropped at exit: for a second instance of a service that must not
     * share the first one's store (the console's browser test runs an alerting service of its own).
     */
    public static synchronized Database another() {
        return createFreshDatabase(server());
    }

    /**
     * The plan PostgreSQL makes for a statement of the services' native SQL ({@code ?1..?n} placeholders, each bound as
     * text, repeats allowed) in the test database, with sequential scans off: where no index serves a condition, the
     * plan still reads the table, so a test can tell a read by index from a read of everything however small its data.
     */
    public static String plan(String sql, List<String> parameters) throws SQLException {
        Database db = database();
        List<Integer> order = new ArrayList<>();
        Matcher placeholder = Pattern.compile("\\?(\\d+)").matcher(sql);
        while (placeholder.find()) {
            order.add(Integer.parseInt(placeholder.group(1)));
        }
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             Statement s = c.createStatement();
             PreparedStatement explain = c.prepareStatement("explain " + placeholder.replaceAll("?"))) {
            s.execute("set enable_seqscan = off");
            for (int i = 0; i < order.size(); i++) {
                explain.setString(i + 1, parameters.get(order.get(i) - 1));
            }
            StringBuilder plan = new StringBuilder();
            try (ResultSet rows = explain.executeQuery()) {
                while (rows.next()) {
                    plan.append(rows.getString(1)).append('\n');
                }
            }
            return plan.toString();
        }
    }

    private static Database serverChosen;

    private static synchronized Database server() {
        if (serverChosen == null) {
            serverChosen = chooseServer();
        }
        return serverChosen;
    }

    private static Database chooseServer() {
        String host = System.getenv("CW_TEST_DB_HOST");
        if (host != null && !host.isBlank()) {
            return new Database(host, Integer.parseInt(env("CW_TEST_DB_PORT", "5432")), "postgres",
                    env("CW_TEST_DB_USER", "postgres"), env("CW_TEST_DB_PASSWORD", ""));
        }
        if (DockerEngine.available()) {
            PostgreSQLContainer container = new PostgreSQLContainer("postgres:15-alpine");
            container.start();
            Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "stop-postgres-container"));
            return new Database(container.getHost(), container.getMappedPort(5432), container.getDatabaseName(),
                    container.getUsername(), container.getPassword());
        }
        return new Database("127.0.0.1", 5432, "postgres", "postgres", "");
    }

    private static Database createFreshDatabase(Database server) {
        String name = "cw_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        execute(server, "CREATE DATABASE " + name);
        Database fresh = new Database(server.host(), server.port(), name, server.user(), server.password());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> dropQuietly(server, name), "drop-test-database"));
        LOG.info("Created test database " + fresh.reactiveUrl());
        return fresh;
    }

    private static void dropQuietly(Database server, String name) {
        try {
            execute(server, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (RuntimeException e) {
            LOG.warning("could not drop test database " + name + ": " + e.getMessage());
        }
    }

    private static void execute(Database db, String sql) {
        try (Connection connection = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL at " + db.host() + ":" + db.port() + " refused: " + sql
                    + " (is PostgreSQL running? see README)", e);
        }
    }


    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
