package io.controlwatch.evidence;

import io.controlwatch.evidence.internal.Hex;
import io.controlwatch.model.ControlExecution;
import io.controlwatch.model.ExecutionResult;
import io.controlwatch.model.Severity;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The canonical encoding and the chain formulas, against known answers computed by the independent reference
 * implementation in src/test/resources/reference/chain_reference.py (written from docs/auditors.md alone).
 */
class CanonicalEncodingTest {

    private static final String TOPIC = "cw.executions.v1";

    @Test
    void rowEncodingMatchesTheReferenceImplementation() {
        EvidenceRow row = Rows.reference();
        assertThat(Hex.encode(row.canonicalBytes())).isEqualTo("63772d726f772d310000002430623763316339652d3266"
                + "34612d346333392d396431652d366133663065356237633231000000176363362e312d636f6e736f6c652d6c6f6769"
                + "6e2d6d666100000006762d3366396100000002000000054343362e31000000054343362e3600000004686967680000"
                + "00044641494c000000166d6661206e6f74207573656420e2809420636166c3a9ffffffff0000000a757365723a616c"
                + "696365000000056576742d310000000c75726e3a7372633a6f6b74610000000a617574682e6c6f67696e00064bf535"
                + "b0f24000064bf535be524000064bf535c5f36000000009736f63322d636f726500000005312e342e30000000010000"
                + "00056576742d3100010000000b736f757263653a6f6b7461ffffffff");
        assertThat(row.digest().hex())
                .isEqualTo("eb9fc6f4479db4e3d423694f8da6e747789bf9a8b65b0d2c5549188169c03080");
    }

    @Test
    void genesisLeafAndHeadMatchTheReferenceImplementation() {
        EvidenceRow row = Rows.reference();
        Sha256 genesis = EvidenceChain.genesis(TOPIC, 3);
        Sha256 leaf = EvidenceChain.leaf(3, 41, row.eventTime(), row.controlId(), row.digest());
        assertThat(genesis.hex()).isEqualTo("d9315168c139c3b4f0ca8d06a9022b57a3234e1536d915acff7da8f2d591fcf9");
        assertThat(leaf.hex()).isEqualTo("9150d56e54f315ffbadcd30041428fbba476fd31ce46fe3ab813f10e3c5d6b94");
        assertThat(EvidenceChain.next(genesis, leaf).hex())
                .isEqualTo("c0a85483921df2a525dd756094189ad3d8613cd01371a7fb7db039dea516b3b7");

        ChainHead head = ChainHead.genesis(TOPIC, 3).append(41, row);
        assertThat(head.head().hex()).isEqualTo("c0a85483921df2a525dd756094189ad3d8613cd01371a7fb7db039dea516b3b7");
        assertThat(head.count()).isEqualTo(1);
        assertThat(head.offset()).isEqualTo(41);
        assertThat(head.maxEventTime()).isEqualTo(row.eventTime());
    }

    @Test
    void nullAndEmptyAreDifferentValues() {
        EvidenceRow row = Rows.reference();
        assertThat(with(row, r -> copy(r, "reason", null)).digest().hex())
                .isEqualTo("b886d84a50add4f8b216be1f520b900f6be525c681d3d53bbf7a2962016d2261");
        assertThat(with(row, r -> copy(r, "reason", "")).digest().hex())
                .isEqualTo("8184b095d56e9bfbb6eec4d9af18561310e551f2e24089db15322d365128dc4b");
    }

    @Test
    void everyFieldIsCovered() {
        EvidenceRow base = Rows.reference();
        List<UnaryOperator<EvidenceRow>> edits = List.of(
                r -> copy(r, "executionId", "0b7c1c9e-2f4a-4c39-9d1e-6a3f0e5b7c22"),
                r -> copy(r, "controlId", "cc6.1-other"),
                r -> copy(r, "controlVersion", "v-3f9b"),
                r -> copy(r, "criteria", List.of("CC6.1")),
                r -> copy(r, "criteria", List.of("CC6.6", "CC6.1")),
                r -> copy(r, "severity", "low"),
                r -> copy(r, "result", "PASS"),
                r -> copy(r, "reason", "mfa not used"),
                r -> copy(r, "message", "Alice logged in without MFA"),
                r -> copy(r, "subject", "user:bob"),
                r -> copy(r, "eventId", "evt-2"),
                r -> copy(r, "eventSource", "urn:src:other"),
                r -> copy(r, "eventType", "auth.logout"),
                r -> copy(r, "eventTime", r.eventTime().plusNanos(1000)),
                r -> copy(r, "ingestTime", r.ingestTime().plusSeconds(1)),
                r -> copy(r, "evaluatedAt", r.evaluatedAt().plusSeconds(1)),
                r -> copy(r, "pack", "soc2-extra"),
                r -> copy(r, "packVersion", "1.4.1"),
                r -> copy(r, "evidenceEventIds", List.of("evt-1", "evt-0")),
                r -> copy(r, "late", true),
                r -> copy(r, "backfilled", false),
                r -> copy(r, "submitter", "user:carol"),
                r -> copy(r, "exemptionId", "ex-7"),
                // field boundaries: moving a character from one field to the next must change the bytes
                r -> copy(copy(r, "eventId", "evt-1u"), "eventSource", "rn:src:okta"));
        Set<Sha256> digests = new HashSet<>();
        digests.add(base.digest());
        for (UnaryOperator<EvidenceRow> edit : edits) {
            assertThat(digests.add(edit.apply(base).digest())).as("edit %s changes the digest", digests.size())
                    .isTrue();
        }
    }

    @Test
    void timesKeepMicrosecondsOnlyAsTheStoreDoes() {
        EvidenceRow row = copy(Rows.reference(), "eventTime", Instant.parse("2026-03-01T12:00:00.123456789Z"));
        assertThat(row.eventTime()).isEqualTo(Instant.parse("2026-03-01T12:00:00.123456Z"));
        assertThat(row.digest()).isEqualTo(Rows.reference().digest());
    }

    @Test
    void loneSurrogatesAreRefusedRatherThanEncodedAsQuestionMarks() {
        EvidenceRow row = copy(Rows.reference(), "reason", "bad \uD800 text");
        assertThatThrownBy(row::digest).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("surrogate");
        // a proper pair is fine
        assertThat(copy(Rows.reference(), "reason", "ok \uD83D\uDE00").digest()).isNotNull();
    }

    @Test
    void executionIdsAreUuidsInLowerCase() {
        EvidenceRow upper = copy(Rows.reference(), "executionId", "0B7C1C9E-2F4A-4C39-9D1E-6A3F0E5B7C21");
        assertThat(upper.executionId()).isEqualTo("0b7c1c9e-2f4a-4c39-9d1e-6a3f0e5b7c21");
        assertThatThrownBy(() -> copy(Rows.reference(), "executionId", "1-1-1-1-1"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anExecutionBecomesTheRowTheStoreKeeps() {
        ControlExecution e = new ControlExecution("0b7c1c9e-2f4a-4c39-9d1e-6a3f0e5b7c21", "cc6.1-console-login-mfa",
                "v-3f9a", "Console logins use MFA", List.of("CC6.1", "CC6.6"), Severity.HIGH, ExecutionResult.FAIL,
                "mfa not used \u2014 caf\u00e9", "user:alice", "evt-1", "urn:src:okta", "auth.login",
                Instant.parse("2026-03-01T12:00:00.123456Z"), Instant.parse("2026-03-01T12:00:01Z"),
                Instant.parse("2026-03-01T12:00:01.500Z"), "soc2-core", "1.4.0", List.of("evt-1"), false,
                "source:okta", true, "");
        // the empty message becomes NULL as the repository stores it; the title is not evidence of the run
        assertThat(EvidenceRow.of(e, null)).isEqualTo(Rows.reference());
        assertThat(EvidenceRow.of(e, "").exemptionId()).isNull();
    }

    @Test
    void offsetsOfAPartitionMustGrow() {
        ChainHead head = ChainHead.genesis(TOPIC, 0).append(5, Rows.reference());
        assertThatThrownBy(() -> head.append(5, Rows.reference())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> head.append(4, Rows.reference())).isInstanceOf(IllegalArgumentException.class);
        assertThat(head.append(9, Rows.reference()).count()).isEqualTo(2);
    }

    @Test
    void everyPartitionAndTopicHasItsOwnGenesis() {
        assertThat(EvidenceChain.genesis(TOPIC, 0)).isNotEqualTo(EvidenceChain.genesis(TOPIC, 1));
        assertThat(EvidenceChain.genesis(TOPIC, 0)).isNotEqualTo(EvidenceChain.genesis("cw.executions.v2", 0));
        assertThat(EvidenceChain.genesis(TOPIC, EvidenceChain.LEGACY_PARTITION)).isNotNull();
        assertThatThrownBy(() -> EvidenceChain.genesis(TOPIC, -2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EvidenceChain.genesis("bad topic", 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theStoredFormRecordsTheDigestAndTheHeadAfterTheRow() {
        ChainHead genesis = ChainHead.genesis(TOPIC, 3);
        ChainHead.Appended appended = genesis.appendStored(41, Rows.reference(), null);
        assertThat(appended.stored().recordedDigest()).isEqualTo(Rows.reference().digest());
        assertThat(appended.stored().recordedHead()).isEqualTo(appended.head().head());
        assertThat(appended.stored().partition()).isEqualTo(3);
        assertThat(appended.stored().offset()).isEqualTo(41);
        assertThat(genesis.count()).as("the old state is untouched (a rolled-back batch keeps it)").isZero();
    }

    /** A copy of the row with one component replaced (by name, so the test reads like the spec's field list). */
    static EvidenceRow copy(EvidenceRow r, String field, Object value) {
        Object[] v = {r.executionId(), r.controlId(), r.controlVersion(), r.criteria(), r.severity(), r.result(),
                r.reason(), r.message(), r.subject(), r.eventId(), r.eventSource(), r.eventType(), r.eventTime(),
                r.ingestTime(), r.evaluatedAt(), r.pack(), r.packVersion(), r.evidenceEventIds(), r.late(),
                r.backfilled(), r.submitter(), r.exemptionId()};
        var components = EvidenceRow.class.getRecordComponents();
        boolean found = false;
        for (int i = 0; i < components.length; i++) {
            if (components[i].getName().equals(field)) {
                v[i] = value;
                found = true;
            }
        }
        assertThat(found).as("field " + field).isTrue();
        @SuppressWarnings("unchecked")
        EvidenceRow copy = new EvidenceRow((String) v[0], (String) v[1], (String) v[2], (List<String>) v[3],
                (String) v[4], (String) v[5], (String) v[6], (String) v[7], (String) v[8], (String) v[9],
                (String) v[10], (String) v[11], (Instant) v[12], (Instant) v[13], (Instant) v[14], (String) v[15],
                (String) v[16], (List<String>) v[17], (Boolean) v[18], (Boolean) v[19], (String) v[20],
                (String) v[21]);
        return copy;
    }

    private static EvidenceRow with(EvidenceRow row, UnaryOperator<EvidenceRow> edit) {
        return edit.apply(row);
    }
}
