package io.controlwatch.alerting.service.packs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.controlwatch.alerting.logging.AlertingLogging;
import io.controlwatch.alerting.persistence.NativeSql;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the archived control-pack versions ({@link PackArchive}) say at a point in time: a control's {@code frequency}
 * and the criteria the pack leaves to people ({@code manual:}). A version is in force from its latest activation
 * before that time; the newest such version comes first. Needs the caller's Hibernate Reactive session.
 */
@ApplicationScoped
public class PacksInForce {

    private static final ObjectMapper YAML = new YAMLMapper();

    // newest activation first; a version re-activated (a rollback) counts from its latest activation
    private static final String VERSIONS_BEFORE = """
            select coalesce(jsonb_agg(jsonb_build_object('packVersion', v.pack_version, 'yaml', v.yaml)
                                      order by a.last_at desc, v.pack_version desc), '[]'::jsonb)::text
            from pack_version v
                 join (select pack_version, max(activated_at) as last_at from pack_activation
                       where activated_at < ?1 group by pack_version) a on a.pack_version = v.pack_version
            """;

    /** A control's frequency, and the archived pack version it was read from. */
    public record Frequency(String frequency, String packVersion) {
    }

    /** A criterion the pack marks manual, with the pack's reason. */
    public record ManualCriterion(String criterion, String reason, String packVersion) {
    }

    /**
     * The frequency of {@code control} in the latest archived version activated before {@code at} that contains it;
     * empty when no such version knows the control.
     */
    public Uni<Optional<Frequency>> frequency(String control, Instant at) {
        return versionsBefore(at).map(versions -> {
            for (Archived v : versions) {
                for (JsonNode c : v.pack().path("controls")) {
                    if (control.equals(c.path("id").asText(null)) && c.path("frequency").isTextual()) {
                        return Optional.of(new Frequency(c.path("frequency").asText(), v.version()));
                    }
                }
            }
            return Optional.empty();
        });
    }

    /** The manual criteria of the version in force at {@code at} (the latest activated before it); empty if none. */
    public Uni<List<ManualCriterion>> manualCriteria(Instant at) {
        return versionsBefore(at).map(versions -> {
            List<ManualCriterion> manual = new ArrayList<>();
            if (versions.isEmpty()) {
                return manual;
            }
            Archived inForce = versions.get(0);
            for (JsonNode entry : inForce.pack().path("manual")) {
                String reason = entry.path("reason").asText(null);
                for (JsonNode criterion : entry.path("criteria")) {
                    manual.add(new ManualCriterion(criterion.asText(), reason, inForce.version()));
                }
            }
            return manual;
        });
    }

    private record Archived(String version, JsonNode pack) {
    }

    private static Uni<List<Archived>> versionsBefore(Instant at) {
        return NativeSql.query(VERSIONS_BEFORE, at.atOffset(ZoneOffset.UTC)).map(rows -> {
            List<Archived> out = new ArrayList<>();
            for (JsonNode row : rows) {
                String version = row.path("packVersion").asText();
                try {
                    JsonNode pack = YAML.readTree(row.path("yaml").asText());
                    if (pack != null && pack.isObject()) {
                        out.add(new Archived(version, pack));
                    } else {
                        AlertingLogging.LOG.archivedPackUnreadable(version, "not a YAML mapping");
                    }
                } catch (java.io.IOException e) {
                    AlertingLogging.LOG.archivedPackUnreadable(version, e.getMessage());
                }
            }
            return out;
        });
    }
}
