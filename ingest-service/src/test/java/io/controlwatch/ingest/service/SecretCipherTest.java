package io.controlwatch.ingest.service;

import org.junit.jupiter.api.Test;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Sealed source secrets: usable again under the same key and source only, and never stored in clear. */
class SecretCipherTest {

    static final SecureRandom RANDOM = new SecureRandom();

    static String key() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    @Test
    void aSecretComesBackUnderTheSameKeyAndSource() throws GeneralSecurityException {
        SecretCipher cipher = new SecretCipher(key(), RANDOM);
        String sealed = cipher.encrypt("whsec_c2VjcmV0", "src_a");
        assertThat(sealed).startsWith("v1:").doesNotContain("whsec_c2VjcmV0");
        assertThat(cipher.encrypt("whsec_c2VjcmV0", "src_a")).as("a fresh nonce each time").isNotEqualTo(sealed);
        assertThat(cipher.decrypt(sealed, "src_a")).isEqualTo("whsec_c2VjcmV0");
    }

    @Test
    void anotherSourceAnotherKeyOrATamperedCiphertextDoNotDecrypt() {
        String key = key();
        SecretCipher cipher = new SecretCipher(key, RANDOM);
        String sealed = cipher.encrypt("secret", "src_a");
        assertThatThrownBy(() -> cipher.decrypt(sealed, "src_b")).isInstanceOf(GeneralSecurityException.class);
        assertThatThrownBy(() -> new SecretCipher(key(), RANDOM).decrypt(sealed, "src_a")).isInstanceOf(GeneralSecurityException.class);
        byte[] bytes = Base64.getDecoder().decode(sealed.substring(3));
        bytes[bytes.length - 1] ^= 1;
        String tampered = "v1:" + Base64.getEncoder().encodeToString(bytes);
        assertThatThrownBy(() -> cipher.decrypt(tampered, "src_a")).isInstanceOf(GeneralSecurityException.class);
        assertThatThrownBy(() -> cipher.decrypt("plain", "src_a")).isInstanceOf(GeneralSecurityException.class);
    }

    @Test
    void aKeyOfTheWrongSizeIsRefusedAtStart() {
        assertThatThrownBy(() -> new SecretCipher(Base64.getEncoder().encodeToString(new byte[20]), RANDOM))
                .hasMessageContaining("16, 24 or 32 bytes");
        assertThatThrownBy(() -> new SecretCipher("not base64!", RANDOM)).hasMessageContaining("not base64");
    }
}
