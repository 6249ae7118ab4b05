package io.controlwatch.console.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.controlwatch.console.config.ConsoleConfig;
import io.controlwatch.console.logging.ConsoleLogging;
import io.quarkus.qute.TemplateData;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * What the API does not hold about the pack the stack runs: each control's kind, the event types it reads and its
 * frequency, the criteria left to people with their reason, and the fixtures beside the pack. Read from the pack
 * file ({@code cw.console.pack-file}) when it is reachable; without it those columns stay empty.
 */
@ApplicationScoped
public class ControlPack {

    private static final List<String> KINDS = List.of("event", "threshold", "absence", "correlation");

    @TemplateData
    public record PackControl(String id, String kind, List<String> eventTypes, String frequency, String owner) {
    }

    @TemplateData
    public record Manual(List<String> criteria, String reason) {
    }

    @TemplateData
    public record Fixture(String name, String text) {
    }

    @Inject
    ConsoleConfig config;

    private volatile Loaded loaded;

    record Loaded(Map<String, PackControl> controls, List<Manual> manual, Path dir) {
    }

    public Optional<PackControl> control(String id) {
        return Optional.ofNullable(load().controls.get(id));
    }

    /**
     * How often the pack expects the control to execute, from its {@code frequency}; empty when the pack does not
     * hold the control (then the posture falls back to "no execution in the period").
     */
    public Optional<Duration> expectedInterval(String id) {
        return control(id).flatMap(c -> interval(c.frequency(), config.continuousInterval()));
    }

    /**
     * hourly 1 h, daily 1 d, weekly 7 d, monthly 31 d, quarterly 92 d, annually 366 d (the longest such calendar
     * span, so a control run on the last day of each is never counted late); {@code continuous} (event-driven, the
     * pack's default) {@code cw.console.continuous-interval}, 1 d unless configured.
     */
    public static Optional<Duration> interval(String frequency, Duration continuous) {
        return Optional.ofNullable(switch (frequency == null || frequency.isEmpty() ? "continuous" : frequency) {
            case "continuous" -> continuous;
            case "hourly" -> Duration.ofHours(1);
            case "daily" -> Duration.ofDays(1);
            case "weekly" -> Duration.ofDays(7);
            case "monthly" -> Duration.ofDays(31);
            case "quarterly" -> Duration.ofDays(92);
            case "annually" -> Duration.ofDays(366);
            default -> null;
        });
    }

    public List<Manual> manual() {
        return load().manual;
    }

    /** The control's fixture file(s) beside the pack (fixtures/&lt;id&gt;.yaml), at most 64 KiB each. */
    public List<Fixture> fixtures(String id) {
        Path dir = load().dir;
        List<Fixture> out = new ArrayList<>();
        if (dir == null || !id.matches("[a-z0-9][a-z0-9.\\-]{0,127}")) {
            return out;
        }
        Path file = dir.resolve("fixtures").resolve(id + ".yaml");
        try {
            if (Files.isRegularFile(file) && Files.size(file) <= 65536) {
                out.add(new Fixture(file.getFileName().toString(), Files.readString(file)));
            }
        } catch (IOException e) {
            ConsoleLogging.LOG.packUnreadable(file.toString(), e.getMessage());
        }
        return out;
    }

    private Loaded load() {
        Loaded current = loaded;
        if (current == null) {
            current = read(config.packFile());
            loaded = current;
        }
        return current;
    }

    static Loaded read(Optional<Path> file) {
        if (file.isEmpty()) {
            return new Loaded(Map.of(), List.of(), null);
        }
        try {
            JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(file.get().toFile());
            Map<String, PackControl> controls = new LinkedHashMap<>();
            for (JsonNode c : root.path("controls")) {
                String kind = KINDS.stream().filter(c::has).findFirst().orElse("");
                TreeSet<String> types = new TreeSet<>();
                if (!kind.isEmpty()) {
                    collectTypes(c.get(kind), types);
                }
                controls.put(c.path("id").asText(), new PackControl(c.path("id").asText(), kind, List.copyOf(types),
                        c.path("frequency").asText(""), c.path("owner").asText("")));
            }
            List<Manual> manual = new ArrayList<>();
            for (JsonNode m : root.path("manual")) {
                List<String> criteria = new ArrayList<>();
                m.path("criteria").forEach(x -> criteria.add(x.asText()));
                manual.add(new Manual(criteria, m.path("reason").asText("")));
            }
            return new Loaded(controls, manual, file.get().toAbsolutePath().getParent());
        } catch (IOException | RuntimeException e) {
            ConsoleLogging.LOG.packUnreadable(file.get().toString(), e.getMessage());
            return new Loaded(Map.of(), List.of(), null);
        }
    }

    /** Event types are the lists under {@code on} / {@code expect} anywhere in a rule (a correlation has several). */
    private static void collectTypes(JsonNode node, TreeSet<String> into) {
        if (node == null) {
            return;
        }
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if ((e.getKey().equals("on") || e.getKey().equals("expect")) && e.getValue().isArray()) {
                    e.getValue().forEach(t -> into.add(t.asText()));
                } else {
                    collectTypes(e.getValue(), into);
                }
            }
        } else if (node.isArray()) {
            Stream.of(node).forEach(n -> n.forEach(x -> collectTypes(x, into)));
        }
    }
}
