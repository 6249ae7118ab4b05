package io.controlwatch.evidence.bundle;

import java.util.Set;
import java.util.regex.Pattern;

/** Names of the files of an evidence bundle that this module reads or writes. */
public final class BundleFiles {

    /** The population, one stored execution per line, in chain order (partition, then offset). */
    public static final String EXECUTIONS_JSONL = "executions.jsonl";
    /** The rows of the exported chain range outside the period or scope, as links, in chain order. */
    public static final String CHAIN_LINKS = "evidence-chain.jsonl";
    /** The signed checkpoints covering the period, one per line, in sequence order. */
    public static final String CHECKPOINTS = "checkpoints.jsonl";
    /** The public keys that signed the manifest and the checkpoints (PEM). */
    public static final String PUBLIC_KEYS = "public-keys.pem";
    public static final String MANIFEST = "manifest.json";
    public static final String MANIFEST_SIGNATURE = "manifest.sig";

    /** Files every bundle holds. */
    static final Set<String> REQUIRED = Set.of(EXECUTIONS_JSONL, CHAIN_LINKS, CHECKPOINTS, PUBLIC_KEYS);

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*");

    private BundleFiles() {
    }

    /** Relative names of plain characters only: nothing that could climb out of a directory when unpacked. */
    static void requireValidName(String name) {
        if (name == null || name.length() > 200 || !NAME.matcher(name).matches() || name.contains("..")) {
            throw new IllegalArgumentException("not a bundle file name: " + name);
        }
        if (name.equals(MANIFEST) || name.equals(MANIFEST_SIGNATURE)) {
            throw new IllegalArgumentException(name + " is written by finish()");
        }
    }
}
