package io.controlwatch.engine;

import java.util.List;
import java.util.Optional;

/**
 * A validated control pack: a named, versioned set of controls loaded from one YAML file.
 *
 * @param name    the pack's name, e.g. {@code soc2-core}
 * @param version content hash of the whole pack; every execution names the version that produced it
 * @param source  where the pack was loaded from (file path or classpath resource), for messages
 * @param manual  criteria the pack does not test from events, and why (tested by people, not faked here)
 * @param yaml    the pack's text, kept so every version ever used can be retrieved
 */
public record ControlPack(String name, String version, String source, List<Control> controls,
                          List<ManualCriteria> manual, String yaml) {

    /** Criteria covered by manual procedures rather than event-driven tests. */
    public record ManualCriteria(List<String> criteria, String reason) {
    }

    public Optional<Control> control(String id) {
        return controls.stream().filter(c -> c.id().equals(id)).findFirst();
    }
}
