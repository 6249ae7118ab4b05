package io.controlwatch.engine;

import java.util.List;

/**
 * A validated control pack: a named, versioned set of controls loaded from one YAML file.
 *
 * @param name    the pack's name, e.g. {@code soc2-core}
 * @param version content hash of the whole pack file; every execution names the version that produced it
 * @param source  where the pack was loaded from (file path or classpath resource), for messages
 */
public record ControlPack(String name, String version, String source, List<Control> controls) {
}
