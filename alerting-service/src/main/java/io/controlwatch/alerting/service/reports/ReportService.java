package io.controlwatch.alerting.service.reports;

import io.controlwatch.alerting.persistence.NativeSql;
import io.controlwatch.alerting.service.packs.PacksInForce;
import io.controlwatch.alerting.service.packs.PacksInForce.ManualCriterion;
import io.controlwatch.alerting.service.reports.OperatingEffectiveness.CriterionReport;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds the operating-effectiveness report in one SQL statement: PostgreSQL aggregates the period's executions,
 * findings and exemptions per control, so the service holds one row per control whatever the population's size.
 */
@ApplicationScoped
public class ReportService {

    // ?1 from, ?2 to, ?3 control or '', ?4 criterion or '', ?5 'true' for the per-day series. Days are UTC calendar
    // days. {executions of the control} is filled in per variant below.
    private static final String REPORT = """
            with p as (
                select cast(?1 as timestamptz) as p_from, cast(?2 as timestamptz) as p_to,
                       cast(?3 as text) as p_control, cast(?4 as text) as p_criterion,
                       cast(cast(?5 as text) as boolean) as p_daily
            ),
            active as (select max(pack_version) as pack_version, count(*) as n from active_pack),
            -- One pass over the period's executions, grouped per control, version and UTC day: what follows reads
            -- these groups (controls x versions x days), never the population again.
            pd as materialized (
                select e.control_id, e.control_version, cast(e.event_time at time zone 'UTC' as date) as day,
                       count(*) as population,
                       count(*) filter (where e.result = 'PASS') as passes,
                       count(*) filter (where e.result = 'FAIL') as failures,
                       count(*) filter (where e.result = 'ERROR') as errors,
                       count(*) filter (where e.late) as late,
                       count(*) filter (where e.backfilled) as backfilled,
                       count(*) filter (where e.exemption_id is not null) as exempted,
                       bool_or(p.p_criterion = any(e.criteria)) as has_criterion,
                       min(e.event_time) as first_at, max(e.event_time) as last_at
                from control_execution e, p
                where e.event_time >= p.p_from and e.event_time < p.p_to
                  and {executions of the control}
                group by e.control_id, e.control_version, cast(e.event_time at time zone 'UTC' as date)
            ),
            counts as (
                select control_id, cast(sum(population) as bigint) as population,
                       cast(sum(passes) as bigint) as passes, cast(sum(failures) as bigint) as failures,
                       cast(sum(errors) as bigint) as errors, cast(sum(late) as bigint) as late,
                       cast(sum(backfilled) as bigint) as backfilled, cast(sum(exempted) as bigint) as exempted,
                       bool_or(has_criterion) as has_criterion
                from pd group by control_id
            ),
            -- the controls that ran in the period, and those of the running pack that should have
            reported as (
                select c.control_id, c.title, c.description, c.criteria, c.owner, c.severity,
                       case when a.n = 0 then 'unknown' when c.pack_version = a.pack_version then 'active'
                            else 'retired' end as status
                from control c cross join p cross join active a left join counts n on n.control_id = c.control_id
                where (p.p_control = '' or c.control_id = p.p_control)
                  and (p.p_criterion = '' or p.p_criterion = any(c.criteria) or coalesce(n.has_criterion, false))
                  and (p.p_control <> '' or n.control_id is not null or c.pack_version = a.pack_version)
            ),
            versions as (
                select control_id, jsonb_agg(jsonb_build_object('version', control_version,
                           'firstExecutionAt', first_at, 'lastExecutionAt', last_at, 'executions', n)
                           order by first_at, control_version) as versions
                from (select control_id, control_version, min(first_at) as first_at, max(last_at) as last_at,
                             cast(sum(population) as bigint) as n
                      from pd group by control_id, control_version) v
                group by control_id
            ),
            days as (
                select cast(d as date) as day
                from p, generate_series(date_trunc('day', p.p_from at time zone 'UTC'),
                                        date_trunc('day', (p.p_to - interval '1 microsecond') at time zone 'UTC'),
                                        interval '1 day') d
            ),
            executed_days as (select distinct control_id, day from pd),
            -- asked for (the console's trend): passes, failures, errors per UTC day with executions
            daily as (
                select control_id, jsonb_agg(jsonb_build_object('day', to_char(day, 'YYYY-MM-DD'),
                           'population', n, 'passes', passes, 'failures', failures, 'errors', errors) order by day) as days
                from (select control_id, day, cast(sum(population) as bigint) as n, cast(sum(passes) as bigint) as passes,
                             cast(sum(failures) as bigint) as failures, cast(sum(errors) as bigint) as errors
                      from pd, p where p.p_daily group by control_id, day) d
                group by control_id
            ),
            coverage as (
                select r.control_id, count(x.day) as days_with,
                       coalesce(jsonb_agg(to_char(d.day, 'YYYY-MM-DD') order by d.day) filter (where x.day is null),
                                '[]'::jsonb) as days_without
                from reported r cross join days d
                     left join executed_days x on x.control_id = r.control_id and x.day = d.day
                group by r.control_id
            ),
            findings as (
                select f.control_id,
                       count(*) filter (where f.opened_at >= f.p_from) as opened,
                       count(*) filter (where f.resolved_in_period) as resolved,
                       count(*) filter (where f.resolved_at is null or f.resolved_at >= f.p_to) as open_at_end,
                       percentile_disc(0.5) within group (order by f.ttr) filter (where f.resolved_in_period) as ttr_median,
                       percentile_disc(0.9) within group (order by f.ttr) filter (where f.resolved_in_period) as ttr_p90,
                       max(f.ttr) filter (where f.resolved_in_period) as ttr_max,
                       count(*) filter (where f.sla_due_at >= f.p_from and f.sla_due_at < f.p_to
                                        and (f.resolved_at is null or f.resolved_at > f.sla_due_at)) as sla_breaches
                from (select f.control_id, f.opened_at, f.resolved_at, f.sla_due_at, p.p_from, p.p_to,
                             cast(round(extract(epoch from f.resolved_at - f.opened_at)) as bigint) as ttr,
                             coalesce(f.resolved_at >= p.p_from and f.resolved_at < p.p_to, false) as resolved_in_period
                      from finding f, p
                      where f.opened_at < p.p_to and (f.resolved_at is null or f.resolved_at >= p.p_from)
                        and f.control_id in (select control_id from reported)) f
                group by f.control_id
            ),
            exemptions as (
                select x.control_id, jsonb_agg(x.exemption_id order by x.exemption_id) as ids
                from exemption x, p
                where x.decided_at is not null and x.status in ('ACTIVE', 'REVOKED', 'EXPIRED')
                  and x.decided_at < p.p_to and least(coalesce(x.ended_at, x.expires_at), x.expires_at) > p.p_from
                  and x.control_id in (select control_id from reported)
                group by x.control_id
            ),
            control_rows as (
                select r.control_id, r.criteria, coalesce(n.population, 0) as population, coalesce(n.passes, 0) as passes,
                       coalesce(n.failures, 0) as failures, coalesce(n.errors, 0) as errors,
                       jsonb_build_object(
                           'controlId', r.control_id, 'title', r.title, 'description', r.description,
                           'criteria', to_jsonb(r.criteria), 'owner', r.owner, 'severity', r.severity,
                           'status', r.status, 'versions', coalesce(v.versions, '[]'::jsonb),
                           'population', coalesce(n.population, 0), 'passes', coalesce(n.passes, 0),
                           'failures', coalesce(n.failures, 0), 'errors', coalesce(n.errors, 0),
                           'late', coalesce(n.late, 0), 'backfilled', coalesce(n.backfilled, 0),
                           'exempted', coalesce(n.exempted, 0),
                           'exceptionRate', case when coalesce(n.passes, 0) + coalesce(n.failures, 0) > 0
                               then round(cast(n.failures as numeric) / (n.passes + n.failures), 6) end,
                           'findingsOpened', coalesce(f.opened, 0), 'findingsResolved', coalesce(f.resolved, 0),
                           'findingsOpenAtEnd', coalesce(f.open_at_end, 0),
                           'remediation', jsonb_build_object('resolved', coalesce(f.resolved, 0),
                               'medianSeconds', f.ttr_median, 'p90Seconds', f.ttr_p90, 'maxSeconds', f.ttr_max),
                           'slaBreaches', coalesce(f.sla_breaches, 0), 'exemptions', coalesce(x.ids, '[]'::jsonb),
                           'daysWithExecutions', coalesce(c.days_with, 0),
                           'daysWithoutExecutions', coalesce(c.days_without, '[]'::jsonb))
                       || case when p.p_daily then jsonb_build_object('daily', coalesce(dl.days, '[]'::jsonb))
                               else '{}'::jsonb end as doc
                from reported r cross join p
                     left join counts n on n.control_id = r.control_id
                     left join versions v on v.control_id = r.control_id
                     left join coverage c on c.control_id = r.control_id
                     left join findings f on f.control_id = r.control_id
                     left join exemptions x on x.control_id = r.control_id
                     left join daily dl on dl.control_id = r.control_id
            ),
            criterion_rows as (
                select k.criterion, count(distinct k.control_id) as controls, sum(cr.population) as population,
                       sum(cr.passes) as passes, sum(cr.failures) as failures, sum(cr.errors) as errors
                from (select distinct unnest(r.criteria) as criterion, r.control_id from control_rows r
                      union
                      select p.p_criterion, r.control_id from control_rows r, p where p.p_criterion <> '') k
                     join control_rows cr on cr.control_id = k.control_id, p
                where p.p_criterion = '' or k.criterion = p.p_criterion
                group by k.criterion
            )
            select jsonb_build_object(
                'days', (select count(*) from days),
                'controls', coalesce((select jsonb_agg(doc order by control_id) from control_rows), '[]'::jsonb),
                'criteria', coalesce((select jsonb_agg(jsonb_build_object('criterion', criterion, 'controls', controls,
                        'population', population, 'passes', passes, 'failures', failures, 'errors', errors,
                        'exceptionRate', case when passes + failures > 0
                            then round(cast(failures as numeric) / (passes + failures), 6) end) order by criterion)
                    from criterion_rows), '[]'::jsonb))::text
            """;

    // Two statements rather than "(p_control = '' or control_id = p_control)": with the control in the condition
    // itself the planner reads that control's executions through control_execution_control_period instead of every
    // control's executions of the period.
    private static final String ALL_CONTROLS = REPORT.replace("{executions of the control}", "true");
    private static final String ONE_CONTROL = REPORT.replace("{executions of the control}", "e.control_id = p.p_control");

    private final PacksInForce packs;

    public ReportService(PacksInForce packs) {
        this.packs = packs;
    }

    /**
     * The report for [from, to); {@code control} and {@code criterion} narrow it when not null. The roll-up also lists
     * the criteria the pack in force at {@code to} marks manual (not when narrowed to one control: no control tests them).
     */
    @WithSession
    public Uni<OperatingEffectiveness> report(Instant from, Instant to, String control, String criterion) {
        return report(from, to, control, criterion, false);
    }

    /** As {@link #report(Instant, Instant, String, String)}; with {@code daily}, each control's figures per UTC day. */
    @WithSession
    public Uni<OperatingEffectiveness> report(Instant from, Instant to, String control, String criterion, boolean daily) {
        return NativeSql.query(control == null ? ALL_CONTROLS : ONE_CONTROL, from.atOffset(ZoneOffset.UTC),
                        to.atOffset(ZoneOffset.UTC), control == null ? "" : control, criterion == null ? "" : criterion,
                        String.valueOf(daily))
                .chain(json -> (control != null ? Uni.createFrom().item(List.<ManualCriterion>of())
                        : packs.manualCriteria(to)).map(manual -> new OperatingEffectiveness(from, to,
                        json.path("days").asLong(),
                        NativeSql.list(json.path("controls"), OperatingEffectiveness.ControlReport.class),
                        withManual(NativeSql.list(json.path("criteria"), CriterionReport.class), manual, criterion))));
    }

    /** The tested roll-up with the manual criteria added (or marked, when a control also supports one), by criterion. */
    static List<CriterionReport> withManual(List<CriterionReport> tested, List<ManualCriterion> manual,
                                            String criterion) {
        Map<String, CriterionReport> rows = new TreeMap<>();
        tested.forEach(row -> rows.put(row.criterion(), row));
        for (ManualCriterion m : manual) {
            if (criterion == null || criterion.equals(m.criterion())) {
                rows.compute(m.criterion(), (k, row) -> row == null ? CriterionReport.manual(k, m.reason())
                        : row.markedManual(m.reason()));
            }
        }
        return new ArrayList<>(rows.values());
    }
}
