package io.controlwatch.evidence.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import io.controlwatch.evidence.VerificationKey;
import io.controlwatch.evidence.bundle.BundleReport;
import io.controlwatch.evidence.bundle.BundleVerifier;
import io.controlwatch.evidence.bundle.Manifest;
import io.controlwatch.evidence.internal.Json;
import io.controlwatch.evidence.verify.Discrepancy;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code java -jar evidence-verifier.jar BUNDLE.zip --public-key KEY.pem}: verifies an evidence bundle offline.
 * Exit code 0 when everything holds, 1 when anything does not, 2 for a usage error.
 */
public final class VerifierMain {

    public static final int VERIFIED = 0;
    public static final int NOT_VERIFIED = 1;
    public static final int USAGE = 2;

    private static final String USAGE_TEXT = """
            Usage: java -jar evidence-verifier.jar BUNDLE.zip (--public-key KEY.pem | --fingerprint HEX)... [--json]

            Verifies a ControlWatch evidence bundle offline: the SHA-256 of every file against manifest.json, the
            manifest's Ed25519 signature, every checkpoint's signature and sequence, and the evidence chain
            recomputed over executions.jsonl and evidence-chain.jsonl against the checkpoints.

              --public-key FILE   trust the Ed25519 public key(s) in this PEM file (repeatable; a key ring file may
                                  hold several keys, e.g. the current key and the ones it replaced)
              --fingerprint HEX   trust the key with this fingerprint (SHA-256 of its SubjectPublicKeyInfo) among the
                                  keys shipped in the bundle's public-keys.pem (repeatable)
              --json              print the report as JSON

            Exit code: 0 every check holds, 1 a discrepancy was found, 2 usage error.
            """;

    private VerifierMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the verifier; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Path bundle = null;
        List<VerificationKey> keys = new ArrayList<>();
        Set<String> fingerprints = new TreeSet<>();
        boolean json = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--help", "-h" -> {
                    out.print(USAGE_TEXT);
                    return USAGE;
                }
                case "--json" -> json = true;
                case "--public-key", "--fingerprint" -> {
                    if (i + 1 >= args.length) {
                        return usage(err, arg + " needs a value");
                    }
                    String value = args[++i];
                    if (arg.equals("--fingerprint")) {
                        String fp = value.toLowerCase(Locale.ROOT);
                        if (!fp.matches("[0-9a-f]{64}")) {
                            return usage(err, "a fingerprint is 64 hex digits: " + value);
                        }
                        fingerprints.add(fp);
                    } else {
                        try {
                            List<VerificationKey> read = VerificationKey.allFromPem(
                                    Files.readString(Path.of(value), StandardCharsets.US_ASCII));
                            if (read.isEmpty()) {
                                return usage(err, value + " holds no PUBLIC KEY block");
                            }
                            keys.addAll(read);
                        } catch (IOException | IllegalArgumentException e) {
                            return usage(err, "cannot read public key " + value + ": " + e.getMessage());
                        }
                    }
                }
                default -> {
                    if (arg.startsWith("-")) {
                        return usage(err, "unknown option " + arg);
                    }
                    if (bundle != null) {
                        return usage(err, "one bundle at a time");
                    }
                    bundle = Path.of(arg);
                }
            }
        }
        if (bundle == null) {
            return usage(err, "no bundle given");
        }
        if (keys.isEmpty() && fingerprints.isEmpty()) {
            return usage(err, "trust a key: --public-key KEY.pem or --fingerprint HEX");
        }
        BundleReport report;
        try {
            report = BundleVerifier.verify(bundle, new BundleVerifier.Trust(keys, fingerprints));
        } catch (NoSuchFileException e) {
            return usage(err, "no such file: " + bundle);
        } catch (IOException | RuntimeException e) {
            // whatever stopped the verification, the bundle is not verified
            err.println("cannot verify " + bundle + ": " + e);
            return NOT_VERIFIED;
        }
        if (json) {
            printJson(report, bundle, out);
        } else {
            printText(report, bundle, out);
        }
        return report.verified() ? VERIFIED : NOT_VERIFIED;
    }

    private static int usage(PrintStream err, String problem) {
        err.println("evidence-verifier: " + problem);
        err.print(USAGE_TEXT);
        return USAGE;
    }

    static void printText(BundleReport report, Path bundle, PrintStream out) {
        Manifest m = report.manifest();
        BundleReport.Summary s = report.summary();
        out.println("ControlWatch evidence bundle verifier");
        out.println("bundle       " + bundle);
        if (m != null) {
            out.println("period       " + m.periodFrom() + " to " + m.periodTo() + " (event time, end excluded)");
            out.println("generated    " + m.generatedAt() + (m.generatedBy() == null ? "" : " by " + m.generatedBy()));
            out.println("scope        " + (m.controls().isEmpty() ? "all controls" : m.controls().size()
                    + " control(s)") + (m.criteria().isEmpty() ? "" : ", criteria " + String.join(", ", m.criteria())));
            out.println("signed by    " + m.signingKey());
        }
        out.println("trusted keys " + (report.trustedKeys().isEmpty() ? "none" : String.join(", ",
                report.trustedKeys())));
        out.println("files        " + s.filesChecked() + " checked against the manifest");
        if (s.firstCheckpoint() != null) {
            out.println("checkpoints  " + s.checkpoints() + " (#" + s.firstCheckpoint() + " to #" + s.lastCheckpoint()
                    + ", last made " + s.lastCheckpointAt() + ")");
        }
        out.println("chain        " + s.partitions() + " partition(s), " + s.rows() + " rows of the population and "
                + s.links() + " links recomputed");
        for (String note : report.notes()) {
            out.println("note         " + note);
        }
        out.println();
        if (report.verified()) {
            out.println("RESULT: VERIFIED - every file matches the signed manifest and every row matches the signed"
                    + " evidence chain");
            return;
        }
        out.println("RESULT: NOT VERIFIED - " + report.discrepancyCount() + " discrepanc"
                + (report.discrepancyCount() == 1 ? "y" : "ies") + ":");
        for (Discrepancy d : report.discrepancies()) {
            out.println("  - [" + d.kind().label() + "] " + d.message());
        }
        if (report.discrepancyCount() > report.discrepancies().size()) {
            out.println("  … and " + (report.discrepancyCount() - report.discrepancies().size()) + " more");
        }
    }

    static void printJson(BundleReport report, Path bundle, PrintStream out) {
        try {
            JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out).useDefaultPrettyPrinter();
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.writeStartObject();
            g.writeStringField("bundle", bundle.toString());
            g.writeBooleanField("verified", report.verified());
            g.writeNumberField("discrepancyCount", report.discrepancyCount());
            g.writeArrayFieldStart("discrepancies");
            for (Discrepancy d : report.discrepancies()) {
                g.writeStartObject();
                g.writeStringField("kind", d.kind().code());
                if (d.partition() != null) {
                    g.writeNumberField("partition", d.partition());
                }
                if (d.offset() != null) {
                    g.writeNumberField("offset", d.offset());
                }
                if (d.executionId() != null) {
                    g.writeStringField("executionId", d.executionId());
                }
                g.writeStringField("message", d.message());
                g.writeEndObject();
            }
            g.writeEndArray();
            BundleReport.Summary s = report.summary();
            g.writeObjectFieldStart("checked");
            g.writeNumberField("files", s.filesChecked());
            g.writeNumberField("checkpoints", s.checkpoints());
            g.writeNumberField("partitions", s.partitions());
            g.writeNumberField("rows", s.rows());
            g.writeNumberField("links", s.links());
            g.writeEndObject();
            g.writeArrayFieldStart("trustedKeys");
            for (String k : report.trustedKeys()) {
                g.writeString(k);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("notes");
            for (String n : report.notes()) {
                g.writeString(n);
            }
            g.writeEndArray();
            g.writeEndObject();
            g.flush();
            out.println();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
