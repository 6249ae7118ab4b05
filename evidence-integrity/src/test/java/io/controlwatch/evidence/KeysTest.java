package io.controlwatch.evidence;

import io.controlwatch.evidence.internal.Hex;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeysTest {

    // RFC 8032, section 7.1, TEST 1
    private static final String RFC_PUBLIC_PEM = """
            -----BEGIN PUBLIC KEY-----
            MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=
            -----END PUBLIC KEY-----
            """;
    private static final String RFC_PRIVATE_PEM = """
            -----BEGIN PRIVATE KEY-----
            MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g
            -----END PRIVATE KEY-----
            """;
    private static final String RFC_SIGNATURE_OF_EMPTY = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490"
            + "1555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

    @Test
    void signsAsRfc8032Says() {
        SigningKey key = SigningKey.fromPem(RFC_PRIVATE_PEM, RFC_PUBLIC_PEM);
        assertThat(Hex.encode(key.sign(new byte[0]))).isEqualTo(RFC_SIGNATURE_OF_EMPTY);
        assertThat(key.publicKey().verifies(new byte[0], Hex.decode(RFC_SIGNATURE_OF_EMPTY))).isTrue();
        assertThat(key.publicKey().verifies(new byte[]{1}, Hex.decode(RFC_SIGNATURE_OF_EMPTY))).isFalse();
    }

    @Test
    void theKeyIdIsTheSha256OfTheSubjectPublicKeyInfoAsOpensslComputesIt() {
        // openssl pkey -pubin -in key.pem -outform DER | sha256sum
        assertThat(VerificationKey.fromPem(RFC_PUBLIC_PEM).keyId())
                .isEqualTo("06e3fd8fda29bb60ab59557de61edb0aecdb231134be30e75b455f8e1b792fa9");
    }

    @Test
    void pemRoundTrips() {
        SigningKey key = SigningKey.generate();
        SigningKey again = SigningKey.fromPem(key.privatePem(), key.publicKey().pem());
        assertThat(again.keyId()).isEqualTo(key.keyId());
        byte[] data = "checkpoint".getBytes();
        assertThat(key.publicKey().verifies(data, again.sign(data))).isTrue();
        assertThat(key.toString()).doesNotContain("PRIVATE");
    }

    @Test
    void aPublicKeyOfAnotherPairIsRefused() {
        SigningKey other = SigningKey.generate();
        assertThatThrownBy(() -> SigningKey.fromPem(RFC_PRIVATE_PEM, other.publicKey().pem()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not belong");
    }

    @Test
    void aKeyRingFileHoldsSeveralKeysAndCommentsAroundThem() {
        SigningKey old = SigningKey.generate();
        KeyRing ring = KeyRing.signingWith(SigningKey.generate(), List.of(old.publicKey()));
        List<VerificationKey> read = VerificationKey.allFromPem(ring.publicKeysPem());
        assertThat(read).extracting(VerificationKey::keyId)
                .containsExactly(ring.current().keyId(), old.keyId());
    }

    @Test
    void notAnEd25519Key() {
        assertThatThrownBy(() -> VerificationKey.fromPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> VerificationKey.fromPem("no key here")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rotationRetiresTheOldKeyToVerificationOnly() {
        SigningKey first = SigningKey.generate();
        SigningKey second = SigningKey.generate();
        KeyRing ring = KeyRing.signingWith(first, List.of()).rotate(second);
        assertThat(ring.current().keyId()).isEqualTo(second.keyId());
        assertThat(ring.key(first.keyId())).isPresent();
        KeyRing verifier = KeyRing.trusting(List.of(first.publicKey()));
        assertThat(verifier.canSign()).isFalse();
        assertThatThrownBy(verifier::current).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theJsonFormNamesAlgorithmKeyIdAndPem() {
        VerificationKey key = VerificationKey.fromPem(RFC_PUBLIC_PEM);
        assertThat(key.toJson()).contains("\"algorithm\":\"Ed25519\"")
                .contains("\"keyId\":\"06e3fd8fda29bb60ab59557de61edb0aecdb231134be30e75b455f8e1b792fa9\"")
                .contains("BEGIN PUBLIC KEY");
    }
}
