package io.controlwatch.alerting.service.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import io.controlwatch.alerting.logging.AlertingLogging;
import io.controlwatch.alerting.persistence.NativeSql;
import io.controlwatch.evidence.ChainHead;
import io.controlwatch.evidence.Checkpoint;
import io.controlwatch.evidence.KeyRing;
import io.controlwatch.evidence.Sha256;
import io.controlwatch.evidence.SignedCheckpoint;
import io.controlwatch.model.Topics;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Signs a checkpoint of every partition's chain head at a fixed interval while evidence flows (nothing new, no
 * checkpoint), stores it, and has {@link CheckpointPublisher} put it on the checkpoint topic. Any number of instances may run it: a transaction-scoped advisory lock makes one sign
 * at a time, each from the last stored checkpoint, so the sequence has no fork and no gap.
 */
@ApplicationScoped
public class Checkpointer {

    /** {@code hashtext('cw-evidence-checkpoint')} would do too; a constant is easier to find in pg_locks. */
    private static final long LOCK_KEY = 0x63776376_6b707400L;

    // a statement of its own: what the next one reads is then what the previous holder of the lock committed
    private static final String LOCK = "select cast('{}' as text) from (select pg_advisory_xact_lock(?1)) l";

    private static final String LATEST_AND_HEADS = """
            select jsonb_build_object(
                'latest', (select body from evidence_checkpoint order by sequence desc limit 1),
                'heads', coalesce((select jsonb_agg(jsonb_build_object('partition', chain_partition,
                    'offset', chain_offset, 'count', row_count, 'head', encode(head, 'hex'),
                    'maxEventTime', max_event_time) order by chain_partition) from evidence_chain_head), '[]'))::text
            """;

    private static final String INSERT = """
            insert into evidence_checkpoint (sequence, key_id, created_at, body)
            values (?1, ?2, cast(cast(?3 as text) as timestamptz), cast(cast(?4 as text) as jsonb))
            """;

    private final EvidenceKeys keys;
    private final CheckpointPublisher publisher;
    private final Clock clock;

    public Checkpointer(EvidenceKeys keys, CheckpointPublisher publisher, Clock clock) {
        this.keys = keys;
        this.publisher = publisher;
        this.clock = clock;
    }

    @Scheduled(every = "${cw.evidence.checkpoint-every:60s}", delayed = "2s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> tick() {
        if (keys.signing().isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Uni<Void> signed = checkpoint().replaceWithVoid().onFailure().recoverWithItem(e -> {
            AlertingLogging.LOG.checkpointFailed(String.valueOf(e.getMessage()));
            return null;
        });
        // published right after signing; what a broker outage held back goes out at a later tick, in order
        return signed.chain(() -> publisher.publishPending()).replaceWithVoid().onFailure().recoverWithItem(e -> {
            AlertingLogging.LOG.checkpointRelayFailed(String.valueOf(e.getMessage()));
            return null;
        });
    }

    /** Signs and stores a checkpoint if any chain moved since the last one; answers it, or empty. */
    public Uni<Optional<SignedCheckpoint>> checkpoint() {
        Optional<KeyRing> ring = keys.signing();
        if (ring.isEmpty()) {
            return Uni.createFrom().item(Optional.empty());
        }
        return Panache.withTransaction(() -> NativeSql.query(LOCK, LOCK_KEY)
                .chain(() -> NativeSql.query(LATEST_AND_HEADS)).chain(state -> {
            JsonNode latestBody = state.path("latest");
            SignedCheckpoint previous = latestBody.isObject() ? SignedCheckpoint.fromJson(latestBody) : null;
            List<ChainHead> heads = new ArrayList<>();
            state.path("heads").forEach(h -> heads.add(new ChainHead(h.path("partition").asInt(),
                    h.path("offset").asLong(), h.path("count").asLong(), Sha256.fromHex(h.path("head").asText()),
                    OffsetDateTime.parse(h.path("maxEventTime").asText()).toInstant())));
            if (heads.isEmpty() || (previous != null && previous.checkpoint().partitions().equals(heads))) {
                return Uni.createFrom().item(Optional.<SignedCheckpoint>empty());
            }
            long stored = previous == null ? 0 : previous.checkpoint().sequence();
            long published = publisher.publishedHigh();
            if (stored < published) {
                // PostgreSQL lost checkpoints the topic holds: signing #stored+1 over what is left would put a second
                // checkpoint under a published sequence and bless the loss; verify names what is missing
                AlertingLogging.LOG.checkpointRefused(stored, published);
                return Uni.createFrom().item(Optional.<SignedCheckpoint>empty());
            }
            SignedCheckpoint next = Checkpoint.next(previous, Topics.EXECUTIONS, clock.instant(), heads,
                    ring.get().current());
            Checkpoint c = next.checkpoint();
            return NativeSql.update(INSERT, c.sequence(), c.keyId(), c.createdAt().toString(), next.toJson())
                    .invoke(() -> AlertingLogging.LOG.checkpointSigned(c.sequence(), c.keyId(),
                            c.partitions().size(), c.partitions().stream().mapToLong(ChainHead::count).sum()))
                    .map(ignored -> Optional.of(next));
        }));
    }
}
