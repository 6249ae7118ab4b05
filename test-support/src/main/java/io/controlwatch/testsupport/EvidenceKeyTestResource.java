package io.controlwatch.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/** Gives the alerting service under test the evidence signing key of {@link TestEvidenceKeys}, checkpoints every second. */
public class EvidenceKeyTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return Map.of("cw.evidence.signing-key", TestEvidenceKeys.privateKeyFile().toString(),
                "cw.evidence.public-key", TestEvidenceKeys.publicKeyFile().toString(),
                "cw.evidence.checkpoint-every", "1s");
    }

    @Override
    public void stop() {
    }
}
