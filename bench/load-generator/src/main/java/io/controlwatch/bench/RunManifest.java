package io.controlwatch.bench;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/** What the checker needs to recompute a run's events: written by the generator, read by {@code verify}. */
record RunManifest(String runId, long seed, double loginShare, double violationShare, long events, double rate,
                   int batch, long startedAtMs) {

    static final String FILE = "run.properties";

    void write(Path dir) throws IOException {
        Properties p = new Properties();
        p.setProperty("runId", runId);
        p.setProperty("seed", Long.toString(seed));
        p.setProperty("loginShare", Double.toString(loginShare));
        p.setProperty("violationShare", Double.toString(violationShare));
        p.setProperty("events", Long.toString(events));
        p.setProperty("rate", Double.toString(rate));
        p.setProperty("batch", Integer.toString(batch));
        p.setProperty("startedAtMs", Long.toString(startedAtMs));
        Files.createDirectories(dir);
        try (Writer w = Files.newBufferedWriter(dir.resolve(FILE))) {
            p.store(w, "ControlWatch bench run");
        }
    }

    static RunManifest read(Path dir) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(dir.resolve(FILE))) {
            p.load(r);
        }
        return new RunManifest(p.getProperty("runId"), Long.parseLong(p.getProperty("seed")),
                Double.parseDouble(p.getProperty("loginShare")), Double.parseDouble(p.getProperty("violationShare")),
                Long.parseLong(p.getProperty("events")), Double.parseDouble(p.getProperty("rate")),
                Integer.parseInt(p.getProperty("batch")), Long.parseLong(p.getProperty("startedAtMs")));
    }
}
