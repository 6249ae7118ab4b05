package io.controlwatch.alerting.service.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.alerting.config.NotifyConfig;
import io.controlwatch.alerting.logging.NotifyLogging;
import io.controlwatch.alerting.persistence.NativeSql;
import io.controlwatch.common.api.Problem;
import io.controlwatch.common.api.ProblemException;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

import java.time.Clock;
import java.time.Instant;

/** The outbox as people see it: notifications with every attempt, a manual retry, the config in force. */
@ApplicationScoped
public class NotificationService {

    private static final String LIST = """
            with p as (select cast(cast(?1 as text) as jsonb) as f)
            select coalesce(jsonb_agg(jsonb_build_object(
                'notification', to_jsonb(x) - 'payload' - 'data',
                'findings', coalesce((select jsonb_agg(nf.finding_id) from notification_finding nf
                                      where nf.notification_id = x.notification_id), '[]'),
                'attempts', coalesce((select jsonb_agg(to_jsonb(a) - 'notification_id' order by a.attempt)
                                      from notification_attempt a where a.notification_id = x.notification_id), '[]'))
                order by x.created_at desc, x.notification_id desc), '[]')::text
            from (
                select n.* from notification n, p
                where (p.f->'status' is null or n.status in (select jsonb_array_elements_text(p.f->'status')))
                  and (p.f->>'receiver' is null or n.receiver = p.f->>'receiver')
                  and (p.f->>'finding' is null or n.notification_id in (select notification_id from notification_finding
                                                                        where finding_id = cast(p.f->>'finding' as uuid)))
                  and (p.f->>'after_time' is null or (n.created_at, n.notification_id)
                       < (cast(p.f->>'after_time' as timestamptz), cast(p.f->>'after_id' as uuid)))
                order by n.created_at desc, n.notification_id desc
                limit cast(cast(?2 as text) as integer)
            ) x
            """;

    private static final String RETRY = """
            update notification set status = 'PENDING', next_attempt_at = cast(cast(?2 as text) as timestamptz),
                dead_after = cast(cast(?3 as text) as timestamptz), retried_by = ?4, retried_at = cast(cast(?2 as text) as timestamptz),
                updated_at = cast(cast(?2 as text) as timestamptz)
            where notification_id = cast(cast(?1 as text) as uuid) and status in ('DEAD', 'PENDING')
            """;

    private static final String STATUS = """
            select coalesce((select to_jsonb(n.status) from notification n where n.notification_id = cast(cast(?1 as text) as uuid)), 'null')::text
            """;

    private final NotificationConfigs configs;
    private final NotifyConfig settings;
    private final Clock clock;

    public NotificationService(NotificationConfigs configs, NotifyConfig settings, Clock clock) {
        this.configs = configs;
        this.settings = settings;
        this.clock = clock;
    }

    @WithSession
    public Uni<JsonNode> list(ObjectNode filter) {
        return NativeSql.query(LIST, filter.toString(), filter.path("limit").asText("100"));
    }

    /** Sends a DEAD (or waiting) notification again now, with a fresh age limit; same id, same content. */
    @WithTransaction
    public Uni<Void> retry(String id, String actor) {
        Instant now = clock.instant();
        return NativeSql.query(STATUS, id).chain(status -> {
            if (status.isNull()) {
                throw new ProblemException(Problem.of(Response.Status.NOT_FOUND, "not-found", "Not found",
                        "There is no notification " + id + "."));
            }
            if (!status.asText().equals("DEAD") && !status.asText().equals("PENDING")) {
                throw new ProblemException(Problem.of(Response.Status.CONFLICT, "notification-state-conflict",
                        "The notification's state does not allow this", "Only a DEAD or PENDING notification can be "
                        + "retried; this one is " + status.asText() + "."));
            }
            NotifyLogging.LOG.retried(id, actor);
            return NativeSql.update(RETRY, id, now.toString(), now.plus(settings.dispatch().deadAfter()).toString(), actor)
                    .replaceWithVoid();
        });
    }

    @WithTransaction
    public Uni<NotificationConfigs.Active> replaceConfig(String yaml, String actor) {
        return configs.replace(yaml, actor);
    }
}
