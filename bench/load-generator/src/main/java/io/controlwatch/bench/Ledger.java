package io.controlwatch.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Every request the generator made and what came back, one line per attempt:
 * {@code A <firstSeq> <count> <attempt> <startMs> <endMs> <status>} (status -1: no answer, e.g. connection
 * refused or reset), and one line per poison record batch written around the API: {@code P <count>}.
 * The checker derives the accepted events from it; it never trusts the generator's own totals.
 */
final class Ledger implements AutoCloseable {

    static final String FILE = "ledger.txt";

    /** One HTTP attempt. */
    record Attempt(long firstSeq, int count, int attempt, long startMs, long endMs, int status) {
        boolean accepted() {
            return status >= 200 && status < 300;
        }
    }

    /** A ledger read back. */
    record Content(List<Attempt> attempts, long poison) {
    }

    private final BufferedWriter out;

    Ledger(Path dir) throws IOException {
        Files.createDirectories(dir);
        this.out = Files.newBufferedWriter(dir.resolve(FILE));
    }

    synchronized void attempt(Attempt a) {
        write("A " + a.firstSeq() + " " + a.count() + " " + a.attempt() + " " + a.startMs() + " " + a.endMs() + " " + a.status());
    }

    synchronized void poison(long count) {
        write("P " + count);
    }

    private void write(String line) {
        try {
            out.write(line);
            out.newLine();
            // flushed per line: the fault scripts follow a run's progress in this file
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }

    static Content read(Path dir) throws IOException {
        List<Attempt> attempts = new ArrayList<>();
        long poison = 0;
        for (String line : Files.readAllLines(dir.resolve(FILE))) {
            String[] f = line.split(" ");
            switch (f[0]) {
                case "A" -> attempts.add(new Attempt(Long.parseLong(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]),
                        Long.parseLong(f[4]), Long.parseLong(f[5]), Integer.parseInt(f[6])));
                case "P" -> poison += Long.parseLong(f[1]);
                default -> throw new IOException("unreadable ledger line: " + line);
            }
        }
        return new Content(attempts, poison);
    }
}
