package io.controlwatch.alerting.service.evidence;

import io.agroal.api.AgroalDataSource;
import io.controlwatch.alerting.config.EvidenceConfig;
import io.controlwatch.alerting.persistence.JdbcEvidenceSource;
import io.controlwatch.evidence.Checkpoint;
import io.controlwatch.evidence.SignedCheckpoint;
import io.controlwatch.evidence.bundle.ExportRange;
import io.controlwatch.evidence.verify.StoreVerification;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.SQLException;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;

/**
 * Recomputes the evidence chain from PostgreSQL over a period and holds it against the signed checkpoints
 * ({@link StoreVerification}): from the last checkpoint before which no row of the period can lie, to the first
 * that covers the period's last rows after it ended (or the latest, while none does). Blocking, streamed.
 */
@ApplicationScoped
public class EvidenceVerification {

    /** What a verification covered and found. {@code anchor} 0 means from the start of every chain. */
    public record Outcome(long anchor, long last, StoreVerification.Result result) {
    }

    private final AgroalDataSource dataSource;
    private final EvidenceKeys keys;
    private final EvidenceConfig config;

    public EvidenceVerification(AgroalDataSource dataSource, EvidenceKeys keys, EvidenceConfig config) {
        this.dataSource = dataSource;
        this.keys = keys;
        this.config = config;
    }

    /** Null when no checkpoint is stored yet: there is nothing signed to verify against. */
    public Outcome verify(Instant from, Instant to) throws SQLException {
        try (JdbcEvidenceSource source = new JdbcEvidenceSource(dataSource, config.fetchSize())) {
            long latest = source.latestCheckpoint();
            if (latest == 0) {
                return null;
            }
            ExportRange range = new ExportRange(from, to, source.lastOffsets(from, to, List.of()));
            Iterator<SignedCheckpoint> checkpoints = source.checkpoints(1, latest);
            while (checkpoints.hasNext() && range.offer(checkpoints.next().checkpoint())) {
                // offer() answers false once the closing checkpoint is found
            }
            long anchor = range.anchor() == null ? 0 : range.anchor().sequence();
            Checkpoint closing = range.closing();
            long last = closing == null || closing.sequence() < Math.max(1, anchor) ? latest : closing.sequence();
            return new Outcome(anchor, last, StoreVerification.verify(source, keys.trusted(), anchor, last));
        }
    }
}
