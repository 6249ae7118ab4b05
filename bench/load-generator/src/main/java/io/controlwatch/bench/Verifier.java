package io.controlwatch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.controlwatch.model.ModelJson;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Checks a run against the truth: which events ingest confirmed (from the ledger), which executions and failures
 * PostgreSQL holds for them, what the alerting API shows, and optionally what is on the Kafka topics.
 */
final class Verifier {

    record Options(Duration maxWait, Duration stall, boolean topics, boolean api, long outageFromMs, long outageToMs) {
    }

    private final Stack stack;
    private final Path runDir;
    private final Options options;

    Verifier(Stack stack, Path runDir, Options options) {
        this.stack = stack;
        this.runDir = runDir;
        this.options = options;
    }

    /** The confirmed (2xx) and unconfirmed (never 2xx) sequence numbers of a run. */
    record Accepted(BitSet confirmed, BitSet attempted) {
    }

    static Accepted accepted(Ledger.Content ledger) {
        BitSet confirmed = new BitSet();
        BitSet attempted = new BitSet();
        for (Ledger.Attempt a : ledger.attempts()) {
            attempted.set((int) a.firstSeq(), (int) (a.firstSeq() + a.count()));
            if (a.accepted()) {
                confirmed.set((int) a.firstSeq(), (int) (a.firstSeq() + a.count()));
            }
        }
        return new Accepted(confirmed, attempted);
    }

    static List<EvidenceStore.Expected> expected(EventFactory factory, Accepted accepted) {
        List<EvidenceStore.Expected> expected = new ArrayList<>();
        for (int seq = accepted.attempted().nextSetBit(0); seq >= 0; seq = accepted.attempted().nextSetBit(seq + 1)) {
            EventFactory.Kind kind = factory.kind(seq);
            if (kind.isLogin()) {
                expected.add(new EvidenceStore.Expected(UUID.fromString(factory.executionId(seq)), seq,
                        kind == EventFactory.Kind.VIOLATING_LOGIN, accepted.confirmed().get(seq),
                        kind != EventFactory.Kind.FAILED_LOGIN));
            }
        }
        return expected;
    }

    /** Runs every check and returns the figures, in print order; {@code verdict} is PASS or FAIL. */
    Map<String, Object> verify() throws IOException, SQLException, InterruptedException {
        RunManifest manifest = RunManifest.read(runDir);
        EventFactory factory = EventFactory.of(manifest);
        Ledger.Content ledger = Ledger.read(runDir);
        Accepted accepted = accepted(ledger);
        List<EvidenceStore.Expected> expected = expected(factory, accepted);
        long requiredExecutions = expected.stream().filter(e -> e.confirmed() && e.required()).count();

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("events_2xx", accepted.confirmed().cardinality());
        out.put("events_unconfirmed", accepted.attempted().cardinality() - accepted.confirmed().cardinality());

        EvidenceStore.Check check;
        EvidenceStore.Counters counters;
        long completeAtMs;
        long waitStarted = System.nanoTime();
        try (EvidenceStore store = new EvidenceStore(stack)) {
            store.loadExpected(expected);
            boolean complete = waitForEvidence(store, requiredExecutions);
            completeAtMs = complete ? System.currentTimeMillis() : -1;
            check = store.check(factory.source());
            counters = store.counters();
        }
        out.put("wait_s", Math.round((System.nanoTime() - waitStarted) / 1e8) / 10.0);
        // when the last required execution was seen stored (polled every second), for recovery times
        out.put("complete_at_ms", completeAtMs);
        out.put("expected", check.expected());
        out.put("stored", check.stored());
        out.put("lost", check.lost());
        out.put("duplicated", check.duplicated());
        out.put("wrong_result", check.wrongResult());
        out.put("failures_expected", check.failuresExpected());
        out.put("failures_stored", check.failuresStored());
        out.put("failures_lost", check.failuresLost());
        out.put("unconfirmed_stored", check.unconfirmedStored());
        out.put("unexpected", check.unexpected());
        out.put("counter_drift", counters.drift());
        boolean pass = check.lost() == 0 && check.duplicated() == 0 && check.wrongResult() == 0
                && check.failuresLost() == 0 && check.unexpected() == 0 && counters.drift() == 0;
        if (!check.lostSample().isEmpty()) {
            out.put("lost_seqs", String.join(",", check.lostSample()));
        }

        if (options.api()) {
            long api = failuresFromApi(factory, manifest.startedAtMs());
            out.put("api_failures", api);
            pass &= api == check.runFailureRows();
        }
        if (options.topics() || ledger.poison() > 0) {
            TopicAudit.Result audit = TopicAudit.audit(stack, factory, manifest.events(), manifest.startedAtMs() - 60_000,
                    ledger.poison() > 0 ? PoisonWriter.keyPrefix(manifest.runId()) : null);
            long missingOnTopic = 0;
            long copies = 0;
            for (int seq = accepted.confirmed().nextSetBit(0); seq >= 0; seq = accepted.confirmed().nextSetBit(seq + 1)) {
                if (audit.eventCopies()[seq] == 0) {
                    missingOnTopic++;
                }
            }
            for (int c : audit.eventCopies()) {
                copies += Math.max(0, c - 1);
            }
            out.put("lost_on_topic", missingOnTopic);
            out.put("event_copies_on_topic", copies);
            out.put("eos_duplicates", audit.eosDuplicates());
            pass &= missingOnTopic == 0;
            if (ledger.poison() > 0) {
                out.put("poison", ledger.poison());
                out.put("dead_lettered", audit.deadLetters());
                out.put("dead_letters_without_reason", audit.deadLettersWithoutReason());
                pass &= audit.deadLetters() == ledger.poison() && audit.deadLettersWithoutReason() == 0;
            }
        }
        if (options.outageFromMs() > 0) {
            long okDuring = 0;
            long refusedDuring = 0;
            long firstOkAfter = Long.MAX_VALUE;
            for (Ledger.Attempt a : ledger.attempts()) {
                boolean answeredDuring = a.endMs() > options.outageFromMs() && a.endMs() < options.outageToMs();
                if (answeredDuring && a.accepted()) {
                    okDuring++;
                } else if (answeredDuring && a.status() == 503) {
                    refusedDuring++;
                }
                if (a.accepted() && a.endMs() >= options.outageToMs()) {
                    firstOkAfter = Math.min(firstOkAfter, a.endMs());
                }
            }
            out.put("2xx_during_outage", okDuring);
            out.put("503_during_outage", refusedDuring);
            out.put("first_2xx_after_s", firstOkAfter == Long.MAX_VALUE ? -1
                    : Math.round((firstOkAfter - options.outageToMs()) / 100.0) / 10.0);
            out.put("back_on_schedule_s", backOnSchedule(ledger, manifest, options.outageToMs()));
            pass &= okDuring == 0 && refusedDuring > 0;
        }
        out.put("verdict", pass ? "PASS" : "FAIL");
        return out;
    }

    /**
     * Waits until every confirmed execution is stored, or until nothing more arrives for {@code stall}, or
     * {@code maxWait} has passed. A lost execution is then reported, not waited for forever.
     */
    private boolean waitForEvidence(EvidenceStore store, long target) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + options.maxWait().toNanos();
        long last = -1;
        long lastChange = System.nanoTime();
        while (true) {
            long stored = store.storedRequired();
            if (stored >= target) {
                return true;
            }
            if (stored != last) {
                last = stored;
                lastChange = System.nanoTime();
            }
            long now = System.nanoTime();
            if (now > deadline || now - lastChange > options.stall().toNanos()) {
                System.err.printf("[verify] stopped waiting: %d of %d executions stored%n", stored, target);
                return false;
            }
            Thread.sleep(500);
        }
    }

    /**
     * Seconds after the outage until the backlog was cleared (fixed-rate runs): the last accepted batch answered
     * more than 2 s after it was due. 0 if none was late.
     */
    private static double backOnSchedule(Ledger.Content ledger, RunManifest manifest, long outageToMs) {
        if (manifest.rate() <= 0) {
            return -1;
        }
        long lastLate = -1;
        for (Ledger.Attempt a : ledger.attempts()) {
            long dueMs = manifest.startedAtMs() + (long) (a.firstSeq() / manifest.rate() * 1000);
            if (a.accepted() && a.endMs() >= outageToMs && a.endMs() - dueMs > 2000) {
                lastLate = Math.max(lastLate, a.endMs());
            }
        }
        return lastLate < 0 ? 0 : Math.round((lastLate - outageToMs) / 100.0) / 10.0;
    }

    /** Counts the run's failures as an analyst sees them: {@code GET /api/v1/failures}, page by page. */
    private long failuresFromApi(EventFactory factory, long startedAtMs) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String from = Instant.ofEpochMilli(startedAtMs - 5_000).toString();
        String to = Instant.now().plusSeconds(3600).toString();
        long count = 0;
        String cursor = null;
        while (true) {
            String url = stack.alertingUrl() + "/api/v1/failures?limit=1000"
                    + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8))
                    + "&control=" + URLEncoder.encode(EventFactory.CONTROL, StandardCharsets.UTF_8)
                    + "&from=" + URLEncoder.encode(from, StandardCharsets.UTF_8)
                    + "&to=" + URLEncoder.encode(to, StandardCharsets.UTF_8);
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                    .header("Authorization", "Bearer " + stack.analystToken()).timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException("GET /api/v1/failures answered " + response.statusCode() + ": " + response.body());
            }
            JsonNode page = ModelJson.mapper().readTree(response.body());
            for (JsonNode item : page.path("items")) {
                if (factory.source().equals(item.path("eventSource").asText())) {
                    count++;
                }
            }
            // keyset pages: failures recorded meanwhile never shift a page (offsets counted some twice)
            if (!page.path("hasMore").asBoolean(false)) {
                return count;
            }
            cursor = page.path("next").asText();
        }
    }
}
