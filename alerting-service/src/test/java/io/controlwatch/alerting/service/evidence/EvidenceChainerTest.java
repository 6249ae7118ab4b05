package io.controlwatch.alerting.service.evidence;

import io.controlwatch.evidence.ChainHead;
import io.controlwatch.evidence.EvidenceRow;
import io.controlwatch.evidence.StoredExecution;
import io.controlwatch.model.Topics;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The store path's chaining: offset order per partition, from the locked heads, whatever order the batch came in. */
class EvidenceChainerTest {

    static EvidenceRow row(String control, int second) {
        Instant t = Instant.parse("2026-03-01T00:00:00Z").plusSeconds(second);
        return new EvidenceRow(UUID.randomUUID().toString(), control, "v1", List.of("CC6.1"), "high", "PASS", null,
                null, "alice", "e" + second, "src", "auth.login", t, t, t, "soc2", "1", List.of("e" + second), false,
                false, null, null);
    }

    @Test
    void rowsAreChainedInOffsetOrderPerPartitionFromTheHeadsGiven() {
        EvidenceRow a = row("c", 1);
        EvidenceRow b = row("c", 2);
        EvidenceRow c = row("c", 3);
        ChainHead p1 = ChainHead.genesis(Topics.EXECUTIONS, 1).append(4, row("c", 0));
        EvidenceChainer.Plan plan = EvidenceChainer.append(Map.of(1, p1), List.of(
                new EvidenceChainer.Positioned(c, 0, 9), new EvidenceChainer.Positioned(b, 1, 7),
                new EvidenceChainer.Positioned(a, 0, 3)));

        assertThat(plan.rows()).extracting(StoredExecution::partition, StoredExecution::offset)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(0, 3L), org.assertj.core.groups.Tuple.tuple(0, 9L),
                        org.assertj.core.groups.Tuple.tuple(1, 7L));
        // the same rows appended one by one give the same heads: the plan is the chain, not an approximation
        ChainHead expected0 = ChainHead.genesis(Topics.EXECUTIONS, 0).append(3, a).append(9, c);
        assertThat(plan.heads().get(0).head()).isEqualTo(expected0);
        assertThat(plan.heads().get(0).previousCount()).isZero();
        assertThat(plan.heads().get(1).head()).isEqualTo(p1.append(7, b));
        assertThat(plan.heads().get(1).previousCount()).isEqualTo(1);
        assertThat(plan.rows().get(1).recordedHead()).isEqualTo(expected0.head());
        assertThat(plan.rows().get(0).recordedDigest()).isEqualTo(a.digest());
    }

    @Test
    void aPositionTheChainHasPassedIsRefused() {
        ChainHead p0 = ChainHead.genesis(Topics.EXECUTIONS, 0).append(10, row("c", 0));
        assertThatThrownBy(() -> EvidenceChainer.append(Map.of(0, p0),
                List.of(new EvidenceChainer.Positioned(row("c", 1), 0, 10))))
                .isInstanceOf(EvidenceChainer.OutOfOrder.class).hasMessageContaining("offset 10");
    }
}
