package io.controlwatch.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The endpoint × role table of docs/security.md ("Who may call what"), read so that tests hold the code to the
 * documented access rules and the documentation to the code.
 */
public final class RoleMatrix {

    /** The mark of an endpoint no role opens: a source's own secret authenticates it (401 for every JWT). */
    public static final String SOURCE_SECRET = "secret";

    /**
     * One row: an endpoint of a service and the roles it allows; {@code sourceSecret} when a vendor authenticates with
     * a registered source's secret instead of a JWT (every role cell marked {@value #SOURCE_SECRET}).
     */
    public record Row(String method, String path, String service, Set<String> allowed, boolean sourceSecret) {
        public String endpoint() {
            return method + " " + path;
        }
    }

    private final List<String> roles;
    private final List<Row> rows;

    private RoleMatrix(List<String> roles, List<Row> rows) {
        this.roles = roles;
        this.rows = rows;
    }

    /** Reads the table that follows the heading {@code ## Who may call what} in the given markdown file. */
    public static RoleMatrix read(Path markdown) {
        List<String> lines;
        try {
            lines = Files.readAllLines(markdown);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int start = lines.indexOf("## Who may call what");
        if (start < 0) {
            throw new IllegalStateException(markdown + " has no section '## Who may call what'");
        }
        List<String> roles = null;
        List<Row> rows = new ArrayList<>();
        for (int i = start + 1; i < lines.size() && !lines.get(i).startsWith("## "); i++) {
            String line = lines.get(i).trim();
            if (!line.startsWith("|")) {
                if (roles != null && !rows.isEmpty()) {
                    break;
                }
                continue;
            }
            List<String> cells = cells(line);
            if (roles == null) {
                roles = cells.subList(2, cells.size());
                continue;
            }
            if (cells.get(0).startsWith("---")) {
                continue;
            }
            String endpoint = cells.get(0).replace("`", "").trim();
            int space = endpoint.indexOf(' ');
            Set<String> allowed = new TreeSet<>();
            List<String> marks = cells.subList(2, 2 + roles.size());
            boolean sourceSecret = marks.contains(SOURCE_SECRET);
            if (sourceSecret && !marks.stream().allMatch(SOURCE_SECRET::equals)) {
                throw new IllegalStateException("'" + SOURCE_SECRET + "' must mark every role of " + endpoint + " in " + markdown);
            }
            for (int r = 0; r < roles.size() && !sourceSecret; r++) {
                String mark = cells.get(2 + r);
                if (mark.equals("✓")) {
                    allowed.add(roles.get(r));
                } else if (!mark.equals("–") && !mark.equals("-")) {
                    throw new IllegalStateException("unknown mark '" + mark + "' for " + endpoint + " in " + markdown);
                }
            }
            rows.add(new Row(endpoint.substring(0, space), endpoint.substring(space + 1).trim(), cells.get(1), allowed,
                    sourceSecret));
        }
        if (roles == null || rows.isEmpty()) {
            throw new IllegalStateException("no endpoint table under '## Who may call what' in " + markdown);
        }
        return new RoleMatrix(List.copyOf(roles), List.copyOf(rows));
    }

    public List<String> roles() {
        return roles;
    }

    public List<Row> rows(String service) {
        return rows.stream().filter(r -> r.service().equals(service)).toList();
    }

    /** Rows of a service by endpoint ("GET /api/v1/failures"). */
    public Map<String, Row> byEndpoint(String service) {
        Map<String, Row> map = new LinkedHashMap<>();
        rows(service).forEach(r -> map.put(r.endpoint(), r));
        return map;
    }

    private static List<String> cells(String line) {
        String inner = line.substring(1, line.endsWith("|") ? line.length() - 1 : line.length());
        List<String> cells = new ArrayList<>();
        for (String cell : inner.split("\\|")) {
            cells.add(cell.trim());
        }
        return cells;
    }
}
