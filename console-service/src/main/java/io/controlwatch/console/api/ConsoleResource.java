package io.controlwatch.console.api;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.controlwatch.console.client.AlertingApi;
import io.controlwatch.console.client.IngestApi;
import io.controlwatch.console.config.ConsoleConfig;
import io.controlwatch.console.logging.ConsoleLogging;
import io.controlwatch.console.service.ApiCall;
import io.controlwatch.console.service.ControlPack;
import io.controlwatch.console.service.Posture;
import io.controlwatch.console.service.Viewer;
import io.controlwatch.console.service.Views;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateData;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

import jakarta.inject.Inject;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * The console's pages. Every page needs a signed-in user (OIDC authorization code flow); every read and action is a
 * call of the alerting API with that user's token, so the API decides what a role may see and do and the pages only
 * leave out what the role could not use.
 */
@Path("/")
@Authenticated
@Produces(MediaType.TEXT_HTML)
public class ConsoleResource {

    private static final List<String> OPEN = List.of("OPEN", "ACKNOWLEDGED");
    private static final Set<String> SEVERITIES = Set.of("critical", "high", "medium", "low");
    private static final Set<String> ACTIONS = Set.of("acknowledge", "assign", "comment", "resolve");
    private static final int MAX_TEXT = 2000;

    @Inject
    @RestClient
    AlertingApi api;

    @Inject
    IngestApi ingest;

    @Inject
    Viewer viewer;

    @Inject
    ConsoleConfig config;

    @Inject
    ControlPack pack;

    @Inject
    ObjectMapper json;

    @Inject
    @Location("posture.html")
    Template posture;

    @Inject
    @Location("findings.html")
    Template findings;

    @Inject
    @Location("findings-table.html")
    Template findingsTable;

    @Inject
    @Location("control.html")
    Template control;

    @Inject
    @Location("sources.html")
    Template sources;

    @Inject
    @Location("matrix.html")
    Template matrix;

    @TemplateData
    public record Period(int days, Instant from, Instant to, List<Integer> choices) {
    }

    @GET
    public Response home() {
        return Response.seeOther(URI.create("/findings")).build();
    }

    // ----------------------------------------------------------------------------------------------- posture

    @GET
    @Path("posture")
    public TemplateInstance posture(@QueryParam("days") String days) {
        Period period = period(days);
        TemplateInstance page = posture.data("viewer", viewer).data("page", "posture").data("period", period)
                .data("continuousInterval", Views.every(config.continuousInterval()));
        if (!viewer.canReadReports()) {
            return page.data("rows", List.of()).data("notice", "The posture is built from the operating-effectiveness "
                    + "report, which the roles analyst, oncall, auditor and admin read.");
        }
        try {
            List<Views.ControlPeriod> controls = report(period, null);
            return page.data("rows", Posture.grid(controls, c -> state(c, period), pack.manual())).data("notice", null)
                    .data("controls", controls.size());
        } catch (ApiCall.Refused e) {
            return page.data("rows", List.of()).data("notice", e.getMessage());
        }
    }

    // ----------------------------------------------------------------------------------------------- findings

    @GET
    @Path("findings")
    public TemplateInstance findings(@QueryParam("severity") String severity, @QueryParam("cursor") String cursor) {
        return findings.data("viewer", viewer).data("page", "findings").data("severity", severity(severity))
                .data("table", findingsModel(severity(severity), cursor(cursor), null));
    }

    /** The table alone: what htmx swaps in when the stream says the findings changed, or after an action. */
    @GET
    @Path("findings/table")
    public TemplateInstance findingsTable(@QueryParam("severity") String severity, @QueryParam("cursor") String cursor) {
        return findingsTable.data("viewer", viewer).data("t", findingsModel(severity(severity), cursor(cursor), null));
    }

    /**
     * Server-sent events: one {@code findings} event each time the open findings the user sees change (a new
     * failure, an acknowledgement by someone else), checked every {@code cw.console.live-interval} through the API
     * with the user's token. The page then fetches the table again; nothing is reloaded.
     */
    @GET
    @Path("findings/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public Multi<OutboundSseEvent> stream(@QueryParam("severity") String severity, @Context Sse sse) {
        String bearer = viewer.bearer();
        String user = viewer.name();
        String level = severity(severity);
        AtomicReference<String> last = new AtomicReference<>();
        return Multi.createFrom().ticks().every(config.liveInterval())
                .onOverflow().drop()
                .onItem().transformToUniAndConcatenate(tick -> Uni.createFrom()
                        .item(() -> signature(ApiCall.run("read findings", user,
                                () -> api.findings(bearer, OPEN, level, null, 100, null))))
                        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool()))
                .filter(sig -> {
                    String before = last.getAndSet(sig);
                    return before != null && !before.equals(sig);
                })
                .map(sig -> sse.newEventBuilder().name("findings").data(sig).build());
    }

    /** Acknowledge, assign, comment, resolve: through the API as the user; answers the table as it is now. */
    @POST
    @Path("findings/{id}/{action}")
    public TemplateInstance act(@PathParam("id") String id, @PathParam("action") String action,
                                @FormParam("text") String text, @FormParam("severity") String severity,
                                @HeaderParam("HX-Request") String htmx) {
        // A cross-site form cannot set this header (the session cookie is SameSite=Lax besides): no CSRF.
        if (!"true".equals(htmx)) {
            throw new BadRequestException("actions are sent by the console's own pages");
        }
        if (!ACTIONS.contains(action) || !id.matches("[0-9a-fA-F-]{36}")) {
            throw new BadRequestException("unknown action");
        }
        String notice = null;
        String value = text == null ? "" : text.strip();
        if (value.length() > MAX_TEXT) {
            notice = "At most " + MAX_TEXT + " characters.";
        } else if (!action.equals("acknowledge") && value.isEmpty()) {
            notice = switch (action) {
                case "assign" -> "Say whom to assign it to.";
                case "resolve" -> "A resolution needs a reason.";
                default -> "A comment needs a text.";
            };
        } else {
            ObjectNode body = json.createObjectNode();
            switch (action) {
                case "assign" -> body.put("assignee", value);
                case "resolve" -> body.put("reason", value);
                default -> {
                    if (!value.isEmpty()) {
                        body.put("comment", value);
                    }
                }
            }
            String bearer = viewer.bearer();
            try {
                ApiCall.run(action + " findings", viewer.name(), () -> api.act(bearer, id, action, body));
                ConsoleLogging.LOG.findingAction(id, action, viewer.name());
            } catch (ApiCall.Refused e) {
                notice = e.getMessage();
            }
        }
        return findingsTable.data("viewer", viewer).data("t", findingsModel(severity(severity), null, notice));
    }

    @TemplateData
    public record FindingsTable(List<Views.Finding> items, String next, String severity, String notice,
                                Instant loadedAt) {
    }

    private FindingsTable findingsModel(String severity, String cursor, String notice) {
        String bearer = viewer.bearer();
        Instant now = Instant.now();
        try {
            JsonNode page = ApiCall.run("read findings", viewer.name(),
                    () -> api.findings(bearer, OPEN, severity, null, 100, cursor));
            List<Views.Finding> items = new ArrayList<>();
            page.path("items").forEach(f -> items.add(Views.Finding.of(f, now)));
            // by severity, then the oldest first: what has waited longest at the top of its level
            items.sort(Comparator.comparingInt(Views.Finding::rank).thenComparing(Views.Finding::openedAt,
                    Comparator.nullsLast(Comparator.naturalOrder())));
            return new FindingsTable(items, page.path("next").isNull() ? null : page.path("next").asText(null),
                    severity, notice, now);
        } catch (ApiCall.Refused e) {
            return new FindingsTable(List.of(), null, severity, e.getMessage(), now);
        }
    }

    private static String signature(JsonNode page) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(page.path("items").toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ----------------------------------------------------------------------------------------------- control

    @TemplateData
    public record TrendPoint(long at, long passes, long failures) {
    }

    @GET
    @Path("controls/{id}")
    public TemplateInstance control(@PathParam("id") String id, @QueryParam("days") String days) {
        if (!id.matches("[a-z0-9][a-z0-9.\\-]{0,127}")) {
            throw new BadRequestException("not a control id");
        }
        Period period = period(days);
        TemplateInstance page = control.data("viewer", viewer).data("page", "controls").data("period", period)
                .data("id", id).data("pack", pack.control(id).orElse(null)).data("fixtures", pack.fixtures(id));
        List<String> notices = new ArrayList<>();
        Views.ControlPeriod summary = null;
        List<TrendPoint> trend = new ArrayList<>();
        List<Views.Execution> executions = new ArrayList<>();
        List<Views.Finding> open = new ArrayList<>();
        String bearer = viewer.bearer();
        if (viewer.canReadReports()) {
            try {
                // one call: the period's figures with the per-day series the trend is drawn from
                JsonNode c = ApiCall.run("read reports", viewer.name(), () -> api.report(bearer,
                        period.from().toString(), period.to().toString(), id, true)).path("controls").path(0);
                summary = c.isMissingNode() ? null : Views.ControlPeriod.of(c);
                trend = trend(c.path("daily"), period);
                JsonNode page2 = ApiCall.run("read executions", viewer.name(),
                        () -> api.executions(bearer, id, null, null, null, 20, null));
                page2.path("items").forEach(e -> executions.add(Views.Execution.of(e)));
            } catch (ApiCall.Refused e) {
                notices.add(e.getMessage());
            }
        } else {
            notices.add("The period's figures, trend and executions are read by the roles analyst, oncall, auditor and admin.");
        }
        try {
            Instant now = Instant.now();
            ApiCall.run("read findings", viewer.name(), () -> api.findings(bearer, OPEN, null, id, 100, null))
                    .path("items").forEach(f -> open.add(Views.Finding.of(f, now)));
        } catch (ApiCall.Refused e) {
            notices.add(e.getMessage());
        }
        String trendJson;
        try {
            trendJson = json.writeValueAsString(trend);
        } catch (Exception e) {
            trendJson = "[]";
        }
        return page.data("summary", summary).data("state", summary == null ? null : state(summary, period))
                .data("trend", trendJson).data("executions", executions)
                .data("open", open).data("notices", notices);
    }

    /**
     * Passes and failures per UTC day the period touches (the report's days), with the days without executions at
     * zero; periods over 31 days in 31 or fewer buckets of whole days.
     */
    static List<TrendPoint> trend(JsonNode daily, Period period) {
        Map<Instant, long[]> byDay = new TreeMap<>();
        Instant first = period.from().truncatedTo(ChronoUnit.DAYS);
        for (Instant d = first; d.isBefore(period.to()); d = d.plus(1, ChronoUnit.DAYS)) {
            byDay.put(d, new long[2]);
        }
        daily.forEach(d -> {
            long[] counts = byDay.get(Instant.parse(d.path("day").asText() + "T00:00:00Z"));
            if (counts != null) {
                counts[0] += d.path("passes").asLong();
                counts[1] += d.path("failures").asLong();
            }
        });
        int perBucket = (byDay.size() + 30) / 31;
        List<TrendPoint> points = new ArrayList<>();
        int i = 0;
        for (Map.Entry<Instant, long[]> day : byDay.entrySet()) {
            if (i++ % perBucket == 0) {
                points.add(new TrendPoint(day.getKey().getEpochSecond(), 0, 0));
            }
            TrendPoint last = points.get(points.size() - 1);
            points.set(points.size() - 1, new TrendPoint(last.at(), last.passes() + day.getValue()[0],
                    last.failures() + day.getValue()[1]));
        }
        return points;
    }

    // ----------------------------------------------------------------------------------------------- sources

    /** At most this many pages of 1,000 sources are read for one page view. */
    static final int SOURCE_PAGES = 10;

    @GET
    @Path("sources")
    public TemplateInstance sources() {
        TemplateInstance page = sources.data("viewer", viewer).data("page", "sources");
        if (!viewer.canReadSources()) {
            return page.data("rows", List.of()).data("truncated", false)
                    .data("notice", "The sources are read by the roles analyst, oncall, auditor and admin.");
        }
        String bearer = viewer.bearer();
        List<Views.Source> rows = new ArrayList<>();
        String cursor = null;
        boolean more = true;
        try {
            for (int i = 0; i < SOURCE_PAGES && more; i++) {
                String after = cursor;
                JsonNode answer = ApiCall.run(ApiCall.Service.INGEST, "list sources", viewer.name(),
                        () -> ingest.sources(bearer, 1000, after));
                answer.path("items").forEach(item -> rows.add(Views.Source.of(item)));
                cursor = answer.path("next").isNull() ? null : answer.path("next").asText(null);
                more = cursor != null;
            }
        } catch (ApiCall.Refused e) {
            return page.data("rows", List.of()).data("truncated", false).data("notice", e.getMessage());
        }
        rows.sort(Views.Source.ORDER);
        return page.data("rows", rows).data("truncated", more).data("notice", null);
    }

    private List<Views.Execution> executionSample(String bearer) {
        List<Views.Execution> out = new ArrayList<>();
        ApiCall.run("read executions", viewer.name(),
                        () -> api.executions(bearer, null, null, null, null, config.executionSample(), null))
                .path("items").forEach(e -> out.add(Views.Execution.of(e)));
        return out;
    }

    // ----------------------------------------------------------------------------------------------- matrix

    @TemplateData
    public record MatrixRow(String controlId, String title, List<String> criteria, String kind, List<String> eventTypes,
                            Set<String> sourcesSeen, String owner, String frequency, String lastExecution,
                            String state, String status) {
    }

    @GET
    @Path("matrix")
    public TemplateInstance matrix(@QueryParam("days") String days, @QueryParam("criterion") String criterion) {
        Period period = period(days);
        String only = criterion(criterion);
        TemplateInstance page = matrix.data("viewer", viewer).data("page", "matrix").data("period", period)
                .data("criterion", only).data("manual", pack.manual()).data("sample", config.executionSample());
        if (!viewer.canReadReports()) {
            return page.data("rows", List.of()).data("notice", "The control matrix is read by the roles analyst, oncall, auditor and admin.");
        }
        try {
            return page.data("rows", matrixRows(period, only)).data("notice", null);
        } catch (ApiCall.Refused e) {
            return page.data("rows", List.of()).data("notice", e.getMessage());
        }
    }

    @GET
    @Path("matrix.csv")
    @Produces("text/csv")
    public Response matrixCsv(@QueryParam("days") String days, @QueryParam("criterion") String criterion) {
        if (!viewer.canReadReports()) {
            return Response.status(403).type(MediaType.TEXT_PLAIN).entity("the roles analyst, oncall, auditor and admin only\n").build();
        }
        Period period = period(days);
        StringBuilder csv = new StringBuilder(
                "control,title,criteria,kind,event_types,sources_seen,owner,frequency,last_execution,state,status\r\n");
        try {
            for (MatrixRow r : matrixRows(period, criterion(criterion))) {
                csv.append(String.join(",", List.of(cell(r.controlId()), cell(r.title()),
                        cell(String.join(" ", r.criteria())), cell(r.kind()), cell(String.join(" ", r.eventTypes())),
                        cell(String.join(" ", r.sourcesSeen())), cell(r.owner()), cell(r.frequency()),
                        cell(r.lastExecution()), cell(r.state()), cell(r.status())))).append("\r\n");
            }
            for (ControlPack.Manual m : pack.manual()) {
                csv.append(String.join(",", List.of("", cell("manual"), cell(String.join(" ", m.criteria())),
                        cell("manual"), "", "", "", "", "", cell("MANUAL"), cell(m.reason())))).append("\r\n");
            }
        } catch (ApiCall.Refused e) {
            return Response.status(e.status == 403 ? 403 : 502).type(MediaType.TEXT_PLAIN).entity(e.getMessage() + "\n").build();
        }
        return Response.ok(csv.toString())
                .header("Content-Disposition", "attachment; filename=\"controlwatch-control-matrix.csv\"").build();
    }

    private List<MatrixRow> matrixRows(Period period, String criterion) {
        String bearer = viewer.bearer();
        Map<String, Views.ControlPeriod> inPeriod = new LinkedHashMap<>();
        report(period, null).forEach(c -> inPeriod.put(c.controlId(), c));
        Map<String, Set<String>> seen = new TreeMap<>();
        executionSample(bearer).forEach(e -> seen.computeIfAbsent(e.controlId(), k -> new TreeSet<>()).add(e.eventSource()));
        List<MatrixRow> rows = new ArrayList<>();
        for (JsonNode c : ApiCall.run("read controls", viewer.name(), () -> api.controls(bearer))) {
            String id = c.path("controlId").asText();
            List<String> criteria = new ArrayList<>();
            c.path("criteria").forEach(x -> criteria.add(x.asText()));
            if (criterion != null && !criteria.contains(criterion)) {
                continue;
            }
            Views.ControlPeriod p = inPeriod.get(id);
            ControlPack.PackControl pc = pack.control(id).orElse(null);
            rows.add(new MatrixRow(id, c.path("title").asText(""), criteria, pc == null ? "" : pc.kind(),
                    pc == null ? List.of() : pc.eventTypes(), seen.getOrDefault(id, Set.of()),
                    c.path("owner").asText(""), pc == null ? "" : pc.frequency(),
                    c.path("lastExecutedAt").isNull() ? "" : c.path("lastExecutedAt").asText(""),
                    p == null ? Posture.State.NOT_EXECUTED.name() : state(p, period).name(), c.path("status").asText("")));
        }
        return rows;
    }

    /** RFC 4180 quoting; a leading = + - @ is neutralised so a spreadsheet never runs a cell as a formula. */
    public static String cell(String value) {
        String v = value == null ? "" : value;
        if (!v.isEmpty() && "=+-@\t\r".indexOf(v.charAt(0)) >= 0) {
            v = "'" + v;
        }
        return "\"" + v.replace("\"", "\"\"") + "\"";
    }

    // ----------------------------------------------------------------------------------------------- shared

    private List<Views.ControlPeriod> report(Period period, String controlId) {
        String bearer = viewer.bearer();
        JsonNode r = ApiCall.run("read reports", viewer.name(),
                () -> api.report(bearer, period.from().toString(), period.to().toString(), controlId));
        List<Views.ControlPeriod> out = new ArrayList<>();
        r.path("controls").forEach(c -> out.add(Views.ControlPeriod.of(c)));
        return out;
    }

    private Posture.State state(Views.ControlPeriod c, Period period) {
        return Posture.state(c, pack.expectedInterval(c.controlId()), period.from(), period.to());
    }

    private Period period(String days) {
        int n = config.defaultPeriodDays();
        if (days != null && !days.isBlank()) {
            if (!days.matches("\\d{1,3}") || Integer.parseInt(days) < 1 || Integer.parseInt(days) > config.maxPeriodDays()) {
                throw new BadRequestException("days is 1 to " + config.maxPeriodDays());
            }
            n = Integer.parseInt(days);
        }
        // whole minutes: the same page asked twice within a minute reads the same period
        Instant to = Instant.now().truncatedTo(ChronoUnit.MINUTES).plus(1, ChronoUnit.MINUTES);
        return new Period(n, to.minus(Duration.ofDays(n)), to, List.of(1, 7, 30, 90));
    }

    private static String severity(String severity) {
        if (severity == null || severity.isBlank()) {
            return null;
        }
        if (!SEVERITIES.contains(severity)) {
            throw new BadRequestException("severity is critical, high, medium or low");
        }
        return severity;
    }

    private static String criterion(String criterion) {
        if (criterion == null || criterion.isBlank()) {
            return null;
        }
        if (!criterion.matches("[A-Z]{1,4}\\d{1,2}\\.\\d{1,2}")) {
            throw new BadRequestException("criterion looks like CC6.1");
        }
        return criterion;
    }

    private static String cursor(String cursor) {
        if (cursor == null || cursor.isBlank()) {
            return null;
        }
        if (cursor.length() > 1024 || !cursor.matches("[A-Za-z0-9_=+/\\-]+")) {
            throw new BadRequestException("not a cursor of this console");
        }
        return cursor;
    }
}
