package io.controlwatch.alerting.service.packs;

import io.controlwatch.alerting.persistence.NativeSql;
import io.controlwatch.model.PackVersion;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.ZoneOffset;

/**
 * Keeps every control-pack version the registry records (its YAML, immutable per version) and each activation
 * seen, so that an export can carry the packs in force in its period.
 */
@ApplicationScoped
public class PackArchive {

    @WithTransaction
    public Uni<Void> record(PackVersion pack) {
        return NativeSql.update("insert into pack_version (pack_version, pack, yaml) values (?1, ?2, ?3) "
                        + "on conflict (pack_version) do nothing", pack.version(), pack.name(), pack.yaml())
                .chain(() -> NativeSql.update("insert into pack_activation (pack_version, pack, activated_at, "
                                + "activated_by, origin) values (?1, ?2, ?3, ?4, ?5) on conflict do nothing",
                        pack.version(), pack.name(), pack.activatedAt().atOffset(ZoneOffset.UTC),
                        pack.activatedBy(), pack.origin()))
                .replaceWithVoid();
    }
}
