package io.controlwatch.alerting.service.evidence;

import io.agroal.api.AgroalDataSource;
import io.controlwatch.alerting.config.EvidenceConfig;
import io.controlwatch.alerting.logging.AlertingLogging;
import io.controlwatch.alerting.persistence.JdbcEvidenceSource;
import io.controlwatch.common.messaging.CompactedTopics;
import io.controlwatch.evidence.Checkpoint;
import io.controlwatch.evidence.SignedCheckpoint;
import io.controlwatch.evidence.bundle.ExportRange;
import io.controlwatch.evidence.verify.Discrepancy;
import io.controlwatch.evidence.verify.StoreVerification;
import io.controlwatch.model.Topics;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Recomputes the evidence chain from PostgreSQL over a period and holds it against the signed checkpoints
 * ({@link StoreVerification}): from the last checkpoint before which no row of the period can lie, to the first
 * that covers the period's last rows after it ended (or the latest, while none does). The checkpoints are first held
 * against their published copies on {@code cw.evidence-checkpoints.v1} ({@link TopicCheckedSource}): the topic is read
 * before the database's snapshot is taken, so every checkpoint published is committed in that snapshot unless someone
 * removed it. Blocking, streamed.
 */
@ApplicationScoped
public class EvidenceVerification {

    /**
     * How the stored checkpoints compare with the published ones.
     *
     * @param state       {@code compared}, or {@code unavailable} when the topic could not be read (then {@code
     *                    problem} says why, and the verification covers PostgreSQL alone)
     * @param published   checkpoints on the topic
     * @param unpublished checkpoints stored but not (yet) on the topic: the relay publishes them within seconds
     * @param missing     published checkpoints PostgreSQL does not hold
     * @param rewritten   stored checkpoints that differ from their published copy
     */
    public record TopicComparison(String state, String problem, long published, long latestPublished,
                                  long unpublished, long missing, long rewritten, List<Discrepancy> discrepancies) {

        static TopicComparison unavailable(String problem) {
            return new TopicComparison("unavailable", problem, 0, 0, 0, 0, 0, List.of());
        }

        long discrepancyCount() {
            return missing + rewritten + discrepancies.stream()
                    .filter(d -> d.kind() != Discrepancy.Kind.CHECKPOINT_MISSING
                            && d.kind() != Discrepancy.Kind.CHECKPOINT_REWRITTEN).count();
        }
    }

    /** What a verification covered and found. {@code anchor} 0 means from the start of every chain. */
    public record Outcome(long anchor, long last, StoreVerification.Result result, TopicComparison topic) {

        /** Verified: the chain holds against the checkpoints, and the checkpoints against the topic. */
        public boolean verified() {
            return result.verified() && topic.discrepancyCount() == 0;
        }

        /** Every discrepancy: the topic's first (a removed checkpoint explains what follows), then the chain's. */
        public List<Discrepancy> discrepancies() {
            List<Discrepancy> all = new ArrayList<>(topic.discrepancies());
            all.addAll(result.discrepancies());
            return all;
        }

        public long discrepancyCount() {
            return topic.discrepancyCount() + result.discrepancyCount();
        }
    }

    private final AgroalDataSource dataSource;
    private final EvidenceKeys keys;
    private final EvidenceConfig config;
    private final Map<String, Object> kafka;

    public EvidenceVerification(AgroalDataSource dataSource, EvidenceKeys keys, EvidenceConfig config,
                                @Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.dataSource = dataSource;
        this.keys = keys;
        this.config = config;
        this.kafka = kafka;
    }

    /** Null when no checkpoint is stored or published yet: there is nothing signed to verify against. */
    public Outcome verify(Instant from, Instant to) throws SQLException {
        PublishedCheckpoints published = new PublishedCheckpoints(keys.trusted(), storedSequences());
        String unavailable = null;
        try {
            CompactedTopics.readWhole(kafka, Topics.EVIDENCE_CHECKPOINTS, config.topicReadTimeout(), false,
                    published::accept);
        } catch (RuntimeException e) {
            unavailable = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            AlertingLogging.LOG.checkpointTopicUnreadable(unavailable);
            published = new PublishedCheckpoints(keys.trusted(), new BitSet());
        }
        try (JdbcEvidenceSource database = new JdbcEvidenceSource(dataSource, config.fetchSize())) {
            BitSet stored = storedSequences(database.connection());
            TopicCheckedSource source = new TopicCheckedSource(database, published, config.maxDiscrepancies());
            long latest = Math.max(Math.max(0, stored.length() - 1), published.latest());
            if (latest == 0) {
                return null;
            }
            source.reportMissing(stored);
            ExportRange range = new ExportRange(from, to, database.lastOffsets(from, to, List.of()));
            Iterator<SignedCheckpoint> checkpoints = source.checkpoints(1, latest);
            while (checkpoints.hasNext() && range.offer(checkpoints.next().checkpoint())) {
                // offer() answers false once the closing checkpoint is found
            }
            long anchor = range.anchor() == null ? 0 : range.anchor().sequence();
            Checkpoint closing = range.closing();
            long last = closing == null || closing.sequence() < Math.max(1, anchor) ? latest : closing.sequence();
            // rows covered by a checkpoint that was removed may be gone with it, so the period's own rows cannot say
            // where the verification must reach: up to the last removed checkpoint, at least
            last = Math.max(last, source.highestMissing());
            StoreVerification.Result result = StoreVerification.verify(source, keys.trusted(), anchor, last);
            TopicComparison topic;
            if (unavailable != null) {
                topic = TopicComparison.unavailable(unavailable);
            } else {
                BitSet unpublished = (BitSet) stored.clone();
                unpublished.andNot(published.sequences());
                List<Discrepancy> found = new ArrayList<>(published.invalid());
                found.addAll(source.discrepancies());
                topic = new TopicComparison("compared", null, published.count(), published.latest(),
                        unpublished.cardinality(), source.missing(), source.rewritten(), found);
            }
            return new Outcome(anchor, last, result, topic);
        }
    }

    /** The sequences of the stored checkpoints, before the topic is read (what it need not keep in full). */
    private BitSet storedSequences() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return storedSequences(c);
        }
    }

    private static BitSet storedSequences(Connection c) throws SQLException {
        BitSet sequences = new BitSet();
        try (PreparedStatement s = c.prepareStatement("select sequence from evidence_checkpoint "
                + "where sequence between 1 and " + Integer.MAX_VALUE);
             ResultSet r = s.executeQuery()) {
            while (r.next()) {
                sequences.set((int) r.getLong(1));
            }
        }
        return sequences;
    }
}
