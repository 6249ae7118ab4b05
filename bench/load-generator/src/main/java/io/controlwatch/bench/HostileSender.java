package io.controlwatch.bench;

import io.controlwatch.testsupport.HostileBodies;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Posts hostile bodies (the tests' corpus, {@link HostileBodies}) to the ingest API among the valid load, as an
 * attacker holding an ingest token would: each must be refused with the status the corpus names; a 2xx (hostile
 * content accepted) or a 5xx is a failure of the run.
 */
final class HostileSender {

    /** What the hostile posts got. */
    record Counts(long sent, long refusedAsExpected, long otherClientError, long serverError, long accepted, long noAnswer) {
    }

    private final Stack stack;
    private final HttpClient http;
    private final List<HostileBodies.Body> corpus = HostileBodies.all();
    private final AtomicLong next = new AtomicLong();
    private final LongAdder sent = new LongAdder();
    private final LongAdder expected = new LongAdder();
    private final LongAdder otherClientError = new LongAdder();
    private final LongAdder serverError = new LongAdder();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder noAnswer = new LongAdder();

    HostileSender(Stack stack, HttpClient http) {
        this.stack = stack;
        this.http = http;
    }

    /** Posts the next body of the corpus (round robin) and counts its answer. */
    void send() {
        HostileBodies.Body body = corpus.get((int) (next.getAndIncrement() % corpus.size()));
        sent.increment();
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(stack.ingestUrl() + "/api/v1/events"))
                    .timeout(Duration.ofSeconds(40))
                    .header("Content-Type", body.contentType())
                    .header("Authorization", "Bearer " + stack.ingestToken())
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body.bytes())).build(), HttpResponse.BodyHandlers.discarding());
            int status = response.statusCode();
            if (status == body.expectedStatus()) {
                expected.increment();
            } else if (status >= 500) {
                serverError.increment();
                System.err.println("[hostile] " + body.name() + " answered " + status);
            } else if (status < 300) {
                accepted.increment();
                System.err.println("[hostile] " + body.name() + " was ACCEPTED (" + status + ")");
            } else {
                otherClientError.increment();
                System.err.println("[hostile] " + body.name() + " answered " + status + ", expected " + body.expectedStatus());
            }
        } catch (IOException e) {
            // a refused body may be answered while still being sent (413): the connection is closed under us
            noAnswer.increment();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    Counts counts() {
        return new Counts(sent.sum(), expected.sum(), otherClientError.sum(), serverError.sum(), accepted.sum(), noAnswer.sum());
    }
}
