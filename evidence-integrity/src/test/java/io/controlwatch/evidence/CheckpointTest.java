package io.controlwatch.evidence;

import io.controlwatch.evidence.verify.CheckpointSequence;
import io.controlwatch.evidence.verify.Discrepancy;
import io.controlwatch.evidence.verify.DiscrepancyLog;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CheckpointTest {

    private static final String TOPIC = "cw.executions.v1";
    private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");

    private final SigningKey key = SigningKey.generate();

    private ChainHead headWithRows(int partition, int rows) {
        ChainHead head = ChainHead.genesis(TOPIC, partition);
        for (int i = 0; i < rows; i++) {
            head = head.append(i * 2L, Rows.row(i, "c", T0.plusSeconds(i), "PASS"));
        }
        return head;
    }

    @Test
    void theJsonFormRoundTripsAndKeepsItsSignature() {
        SignedCheckpoint first = Checkpoint.next(null, TOPIC, T0, List.of(headWithRows(0, 3), headWithRows(1, 0)),
                key);
        SignedCheckpoint parsed = SignedCheckpoint.parse(first.toJson());
        assertThat(parsed).isEqualTo(first);
        assertThat(parsed.signatureProblem(KeyRing.trusting(List.of(key.publicKey())))).isEmpty();
        assertThat(first.toJson()).startsWith("{\"format\":\"cw-checkpoint-1\",\"sequence\":1,")
                .contains("\"previous\":null").contains("\"maxEventTime\":null").endsWith("\"}");
    }

    @Test
    void theSignatureCoversTheCanonicalFieldsNotTheirLayout() {
        SignedCheckpoint signed = Checkpoint.next(null, TOPIC, T0, List.of(headWithRows(0, 2)), key);
        String spaced = signed.toJson().replace(",", " ,\n ");
        assertThat(SignedCheckpoint.parse(spaced).signatureProblem(KeyRing.trusting(List.of(key.publicKey()))))
                .isEmpty();
    }

    @Test
    void anEditedHeadBreaksTheSignature() {
        SignedCheckpoint signed = Checkpoint.next(null, TOPIC, T0, List.of(headWithRows(0, 2)), key);
        String moved = signed.toJson().replace("\"count\":2,", "\"count\":3,").replace("\"offset\":2,",
                "\"offset\":4,");
        assertThat(SignedCheckpoint.parse(moved).signatureProblem(KeyRing.trusting(List.of(key.publicKey()))))
                .get().asString().contains("does not carry a valid signature");
    }

    @Test
    void aCheckpointOfAnUnknownKeyIsNotTrusted() {
        SignedCheckpoint signed = Checkpoint.next(null, TOPIC, T0, List.of(headWithRows(0, 2)), key);
        assertThat(signed.signatureProblem(KeyRing.trusting(List.of(SigningKey.generate().publicKey()))))
                .get().asString().contains("not a trusted key");
    }

    @Test
    void strictParsing() {
        String json = Checkpoint.next(null, TOPIC, T0, List.of(headWithRows(0, 2)), key).toJson();
        assertThatThrownBy(() -> SignedCheckpoint.parse(json.replace("{\"format\"", "{\"extra\":1,\"format\"")))
                .hasMessageContaining("unknown field 'extra'");
        assertThatThrownBy(() -> SignedCheckpoint.parse(json.replace("{\"format\"",
                "{\"sequence\":9,\"format\""))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SignedCheckpoint.parse(json + "{}")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SignedCheckpoint.parse("[]")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void checkpointsLinkToTheirPredecessorAndNeverGoBack() {
        SignedCheckpoint one = Checkpoint.next(null, TOPIC, T0, List.of(headWithRows(0, 2)), key);
        SignedCheckpoint two = Checkpoint.next(one, TOPIC, T0.plusSeconds(60), List.of(headWithRows(0, 3),
                headWithRows(1, 1)), key);
        assertThat(two.checkpoint().sequence()).isEqualTo(2);
        assertThat(two.checkpoint().previous()).isEqualTo(one.checkpoint().hash());
        assertThatThrownBy(() -> Checkpoint.next(two, TOPIC, T0, List.of(headWithRows(0, 3)), key))
                .as("partition 1 dropped").hasMessageContaining("partition 1 would go back");
        assertThatThrownBy(() -> Checkpoint.next(two, TOPIC, T0, List.of(headWithRows(0, 1), headWithRows(1, 1)),
                key)).hasMessageContaining("partition 0 would go back");
    }

    @Test
    void aSequenceWithAGapOrARewrittenLinkIsReported() {
        KeyRing trusted = KeyRing.trusting(List.of(key.publicKey()));
        SignedCheckpoint one = Checkpoint.next(null, TOPIC, T0, List.of(headWithRows(0, 1)), key);
        SignedCheckpoint two = Checkpoint.next(one, TOPIC, T0.plusSeconds(60), List.of(headWithRows(0, 2)), key);
        SignedCheckpoint three = Checkpoint.next(two, TOPIC, T0.plusSeconds(120), List.of(headWithRows(0, 3)), key);

        DiscrepancyLog intact = new DiscrepancyLog();
        CheckpointSequence all = new CheckpointSequence(trusted, intact);
        List.of(one, two, three).forEach(all::accept);
        assertThat(intact.isEmpty()).isTrue();

        DiscrepancyLog gap = new DiscrepancyLog();
        CheckpointSequence withoutTwo = new CheckpointSequence(trusted, gap);
        withoutTwo.accept(one);
        withoutTwo.accept(three);
        assertThat(gap.discrepancies()).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo(Discrepancy.Kind.CHECKPOINT_MISSING);
            assertThat(d.message()).contains("checkpoint #2 is missing between #1 and #3");
        });

        // a forged #2 that does not link to #1 (even if signed with the right key)
        SignedCheckpoint forged = new Checkpoint(2, TOPIC, T0.plusSeconds(60),
                Sha256.hash("x".getBytes(StandardCharsets.UTF_8)), key.keyId(), List.of(headWithRows(0, 2)))
                .sign(key);
        DiscrepancyLog rewritten = new DiscrepancyLog();
        CheckpointSequence seq = new CheckpointSequence(trusted, rewritten);
        seq.accept(one);
        seq.accept(forged);
        assertThat(rewritten.discrepancies()).singleElement().extracting(Discrepancy::message).asString()
                .contains("does not name #1 as its previous checkpoint");
        assertThat(seq.isValid(2)).isFalse();
        assertThat(seq.isValid(1)).isTrue();
    }

    @Test
    void signedBeforeARotationStaysVerifiable() {
        SigningKey next = SigningKey.generate();
        KeyRing ring = KeyRing.signingWith(key, List.of()).rotate(next);
        SignedCheckpoint before = Checkpoint.next(null, TOPIC, T0, List.of(headWithRows(0, 1)), key);
        SignedCheckpoint after = Checkpoint.next(before, TOPIC, T0.plusSeconds(60), List.of(headWithRows(0, 2)),
                ring.current());
        KeyRing auditor = KeyRing.trusting(VerificationKey.allFromPem(ring.publicKeysPem()));
        DiscrepancyLog log = new DiscrepancyLog();
        CheckpointSequence seq = new CheckpointSequence(auditor, log);
        seq.accept(before);
        seq.accept(after);
        assertThat(log.isEmpty()).isTrue();
        assertThat(after.checkpoint().keyId()).isEqualTo(next.keyId());
        assertThat(before.checkpoint().keyId()).isEqualTo(key.keyId());

        // trusting only the new key, the old checkpoint is reported as signed by an untrusted key
        DiscrepancyLog onlyNew = new DiscrepancyLog();
        new CheckpointSequence(KeyRing.trusting(List.of(next.publicKey())), onlyNew).accept(before);
        assertThat(onlyNew.discrepancies()).singleElement().extracting(Discrepancy::kind)
                .isEqualTo(Discrepancy.Kind.UNTRUSTED_KEY);
    }
}
