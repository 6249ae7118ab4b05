package io.controlwatch.bench;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Posts a run's events to {@code POST /api/v1/events} as CloudEvents batches, at a fixed rate (open loop: batch k
 * is due at {@code k * batch / rate} seconds, however slow earlier answers were) or as fast as they are accepted
 * ({@code rate = 0}, one request in flight per worker).
 * <p>
 * Behaves like a careful client: a batch that gets 503, another 5xx or no answer at all is sent again, unchanged
 * (same ids, so the system must not count it twice), after Retry-After or a short back-off, until
 * {@code retryFor} has passed; 4xx answers are final. Every attempt goes to the {@link Ledger}.
 * <p>
 * With several ingest instances ({@link Stack#ingestUrls()}) batch k goes to instance k mod n, and each retry to the
 * next one, as behind a load balancer: a dead instance costs its in-flight batches one retry, not the run.
 */
final class LoadGenerator {

    /** Called once per batch, just before its first attempt. */
    interface SendListener {
        void sending(long firstSeq, int count, long nanoTime);
    }

    record Settings(long events, double rate, int batch, int concurrency, Duration retryFor, Duration maxDuration,
                    double poisonShare, double hostileShare) {
    }

    record Result(long events, long accepted, long unconfirmed, long rejected, long unsent, long requests,
                  Map<Integer, Long> statuses, long firstStartMs, long lastEndMs, Histogram requestLatency,
                  long poisonAcked, long poisonFailed, HostileSender.Counts hostile, List<Long> acceptedByIngest) {

        double seconds() {
            return Math.max(1, lastEndMs - firstStartMs) / 1000.0;
        }

        double acceptedPerSecond() {
            return accepted / seconds();
        }
    }

    private static final String BATCH_TYPE = "application/cloudevents-batch+json";

    private final Stack stack;
    private final EventFactory factory;
    private final Settings settings;
    private final Ledger ledger;
    private final SendListener listener;
    private final HttpClient http;
    private final PoisonWriter poison;

    private final AtomicLong nextBatch = new AtomicLong();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder unconfirmed = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder unsent = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
    private final LongAdder[] acceptedByIngest;
    private final AtomicLong firstStartMs = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong lastEndMs = new AtomicLong();
    private final Histogram latency = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
    private final AtomicLong poisonDueMillis = new AtomicLong();
    private final HostileSender hostile;
    private final AtomicLong hostileDueMillis = new AtomicLong();
    private volatile boolean loggedRejection;

    LoadGenerator(Stack stack, EventFactory factory, Settings settings, Ledger ledger, SendListener listener,
                  String runId) {
        this.stack = stack;
        this.factory = factory;
        this.settings = settings;
        this.ledger = ledger;
        this.listener = listener;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        this.poison = settings.poisonShare() > 0 ? new PoisonWriter(stack.kafka(), runId) : null;
        this.hostile = settings.hostileShare() > 0 ? new HostileSender(stack, http) : null;
        this.acceptedByIngest = new LongAdder[stack.ingestUrls().size()];
        java.util.Arrays.setAll(acceptedByIngest, i -> new LongAdder());
    }

    Result run() throws InterruptedException {
        long t0 = System.nanoTime();
        long deadline = t0 + settings.maxDuration().toNanos();
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < settings.concurrency(); i++) {
            Thread t = new Thread(() -> work(t0, deadline), "load-" + i);
            t.start();
            workers.add(t);
        }
        Thread progress = new Thread(() -> progress(t0), "load-progress");
        progress.setDaemon(true);
        progress.start();
        for (Thread t : workers) {
            t.join();
        }
        progress.interrupt();
        long poisonAcked = 0;
        long poisonFailed = 0;
        if (poison != null) {
            poisonAcked = poison.flush();
            poisonFailed = poison.failed();
            poison.close();
            ledger.poison(poisonAcked);
        }
        Map<Integer, Long> codes = new TreeMap<>();
        statuses.forEach((k, v) -> codes.put(k, v.sum()));
        return new Result(settings.events(), accepted.sum(), unconfirmed.sum(), rejected.sum(), unsent.sum(),
                requests.sum(), codes, firstStartMs.get() == Long.MAX_VALUE ? 0 : firstStartMs.get(), lastEndMs.get(),
                latency, poisonAcked, poisonFailed, hostile == null ? null : hostile.counts(),
                java.util.Arrays.stream(acceptedByIngest).map(LongAdder::sum).toList());
    }

    private void work(long t0, long deadline) {
        while (true) {
            long k = nextBatch.getAndIncrement();
            long first = k * settings.batch();
            if (first >= settings.events()) {
                return;
            }
            int count = (int) Math.min(settings.batch(), settings.events() - first);
            long due = settings.rate() > 0 ? t0 + (long) (first / settings.rate() * 1e9) : System.nanoTime();
            sleepUntil(due);
            if (System.nanoTime() > deadline) {
                unsent.add(count);
                continue;
            }
            post(first, count, due, deadline);
        }
    }

    private void post(long first, int count, long due, long deadline) {
        long firstAttempt = System.nanoTime();
        listener.sending(first, count, firstAttempt);
        // the same bytes on every attempt: a retry is the same events, not new ones
        byte[] body = factory.batch(first, count, Instant.now()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        long giveUp = Math.min(deadline, firstAttempt + settings.retryFor().toNanos());
        long backoffMs = 100;
        List<String> targets = stack.ingestUrls();
        for (int attempt = 1; ; attempt++) {
            int target = (int) ((first / settings.batch() + attempt - 1) % targets.size());
            long startMs = System.currentTimeMillis();
            firstStartMs.accumulateAndGet(startMs, Math::min);
            int status;
            long retryAfterMs = -1;
            String answer = null;
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(targets.get(target) + "/api/v1/events"))
                        .timeout(Duration.ofSeconds(40))
                        .header("Content-Type", BATCH_TYPE)
                        .header("Authorization", "Bearer " + stack.ingestToken())
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
                status = response.statusCode();
                answer = response.body();
                retryAfterMs = response.headers().firstValue("Retry-After").map(v -> {
                    try {
                        return Long.parseLong(v.trim()) * 1000;
                    } catch (NumberFormatException e) {
                        return -1L;
                    }
                }).orElse(-1L);
            } catch (IOException e) {
                status = -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long endMs = System.currentTimeMillis();
            lastEndMs.accumulateAndGet(endMs, Math::max);
            requests.increment();
            statuses.computeIfAbsent(status, s -> new LongAdder()).increment();
            ledger.attempt(new Ledger.Attempt(first, count, attempt, startMs, endMs, status));
            if (status >= 200 && status < 300) {
                accepted.add(count);
                acceptedByIngest[target].add(count);
                // from when the batch was due: a late start counts as waiting (no coordinated omission)
                latency.recordValue(Math.min(latency.getHighestTrackableValue(), (System.nanoTime() - due) / 1000));
                poisonAfter(count);
                hostileAfter(count);
                return;
            }
            if (status >= 400 && status < 500 && status != 408 && status != 429) {
                rejected.add(count);
                if (!loggedRejection) {
                    loggedRejection = true;
                    System.err.println("[load] batch refused with HTTP " + status + ": "
                            + (answer == null ? "" : answer.substring(0, Math.min(answer.length(), 300))));
                }
                return;
            }
            if (System.nanoTime() >= giveUp) {
                unconfirmed.add(count);
                return;
            }
            long waitMs = retryAfterMs > 0 ? Math.min(retryAfterMs, 5000) : backoffMs;
            backoffMs = Math.min(backoffMs * 2, 2000);
            sleepUntil(Math.min(giveUp, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs)));
        }
    }

    /** Poison records in proportion to the valid events accepted so far (e.g. 1 per 99 valid ones at 1 %). */
    private void poisonAfter(int validEvents) {
        if (poison == null) {
            return;
        }
        // poison share p of all records: p / (1 - p) poison records per valid event; counted in thousandths
        long due = poisonDueMillis.addAndGet(Math.round(validEvents * settings.poisonShare() / (1 - settings.poisonShare()) * 1000));
        while (due >= 1000) {
            if (poisonDueMillis.compareAndSet(due, due - 1000)) {
                poison.send();
            }
            due = poisonDueMillis.get();
        }
    }

    /** Hostile posts in proportion to the valid events accepted (share h of all events posted). */
    private void hostileAfter(int validEvents) {
        if (hostile == null) {
            return;
        }
        long due = hostileDueMillis.addAndGet(Math.round(validEvents * settings.hostileShare() / (1 - settings.hostileShare()) * 1000));
        while (due >= 1000) {
            if (hostileDueMillis.compareAndSet(due, due - 1000)) {
                hostile.send();
            }
            due = hostileDueMillis.get();
        }
    }

    private void progress(long t0) {
        long last = 0;
        try {
            while (true) {
                TimeUnit.SECONDS.sleep(5);
                long now = accepted.sum();
                System.err.printf("[load] %5.0f s: %d accepted (%d/s), %d requests, statuses %s%n",
                        (System.nanoTime() - t0) / 1e9, now, (now - last) / 5, requests.sum(), statuses);
                last = now;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void sleepUntil(long nanoTime) {
        long wait;
        while ((wait = nanoTime - System.nanoTime()) > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
