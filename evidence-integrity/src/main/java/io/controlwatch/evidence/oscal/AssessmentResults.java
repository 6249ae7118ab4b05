package io.controlwatch.evidence.oscal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.controlwatch.evidence.internal.Json;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Builds {@code oscal/assessment-results.json}: a NIST OSCAL 1.0.6 Assessment Results document for one period.
 *
 * <ul>
 *   <li>one {@code result} for the period; its reviewed controls are the Trust Services Criteria in scope;</li>
 *   <li>one {@code observation} per control (method TEST, origin the ControlWatch tool), aggregated over the period,
 *       whose relevant evidence links to the population file;</li>
 *   <li>one {@code finding} per criterion: satisfied only when its controls ran in the period and every tested event
 *       passed; not-satisfied (reason fail) on any exception; not-satisfied (reason other) when events could not be
 *       tested, when nothing ran, or when the criterion is manual or covered by no control, each said in words and in
 *       a {@code coverage} property so no reader takes it for a pass or a failure;</li>
 *   <li>one {@code risk} per control with exceptions still open at the period's end.</li>
 * </ul>
 *
 * The model requires {@code import-ap}, a reference to an assessment plan, which continuous monitoring does not
 * have: it points to a back-matter resource that says so and describes the method (docs/auditors.md, "OSCAL").
 * UUIDs are name-based (version 5) from the period and the item, so the same report always gives the same document.
 */
public final class AssessmentResults {

    public static final String OSCAL_VERSION = "1.0.6";
    /** Namespace of ControlWatch's own property names. */
    public static final String NS = "urn:controlwatch:oscal";
    private static final UUID NAMESPACE = UUID.fromString("6f1c8a52-3d0e-5b7a-9c41-2e8d7f0a1b93");

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private AssessmentResults() {
    }

    /** The document as JSON bytes (UTF-8, indented). */
    public static byte[] toJson(OperatingEffectiveness report) {
        try {
            return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(build(report))
                    .concat("\n").getBytes(StandardCharsets.UTF_8);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The document as a JSON tree. */
    public static ObjectNode build(OperatingEffectiveness r) {
        String period = time(r.periodFrom()) + "/" + time(r.periodTo());
        UUID tool = uuid("tool/controlwatch");
        UUID plan = uuid("assessment-plan/continuous-monitoring");
        UUID populationResource = uuid("population/" + period);

        Map<String, UUID> observationOf = new LinkedHashMap<>();
        ArrayNode observations = F.arrayNode();
        for (ControlResult c : r.controls()) {
            UUID id = uuid("observation/" + period + "/" + c.controlId());
            observationOf.put(c.controlId(), id);
            observations.add(observation(id, c, r, tool));
        }
        Map<String, UUID> riskOf = new LinkedHashMap<>();
        ArrayNode risks = F.arrayNode();
        for (ControlResult c : r.controls()) {
            if (c.findingsOpenAtEnd() > 0) {
                UUID id = uuid("risk/" + period + "/" + c.controlId());
                riskOf.put(c.controlId(), id);
                risks.add(risk(id, c, observationOf.get(c.controlId()), r, tool));
            }
        }

        Map<String, String> manualReason = new TreeMap<>(TSC_ORDER);
        for (ManualCriteria m : r.manual()) {
            m.criteria().forEach(c -> manualReason.put(c, m.reason()));
        }
        Map<String, List<ControlResult>> byCriterion = new TreeMap<>(TSC_ORDER);
        for (ControlResult c : r.controls()) {
            c.criteria().forEach(criterion -> byCriterion.computeIfAbsent(criterion, k -> new ArrayList<>()).add(c));
        }
        Set<String> reviewed = new TreeSet<>(TSC_ORDER);
        reviewed.addAll(r.criteriaInScope());
        reviewed.addAll(byCriterion.keySet());
        reviewed.addAll(manualReason.keySet());

        ArrayNode findings = F.arrayNode();
        ArrayNode include = F.arrayNode();
        for (String criterion : reviewed) {
            include.addObject().put("control-id", criterion);
            findings.add(finding(uuid("finding/" + period + "/" + criterion), criterion,
                    byCriterion.getOrDefault(criterion, List.of()), manualReason.get(criterion), observationOf, riskOf,
                    r, tool));
        }

        ObjectNode doc = F.objectNode();
        ObjectNode ar = doc.putObject("assessment-results");
        ar.put("uuid", uuid("assessment-results/" + period + "/" + String.join(",", r.criteriaInScope()))
                .toString());
        ObjectNode metadata = ar.putObject("metadata");
        metadata.put("title", "ControlWatch operating effectiveness, " + time(r.periodFrom()) + " to "
                + time(r.periodTo()));
        metadata.put("last-modified", time(r.generatedAt()));
        metadata.put("version", time(r.generatedAt()));
        metadata.put("oscal-version", OSCAL_VERSION);
        metadata.putArray("props").add(prop("generator", "ControlWatch " + r.toolVersion()));
        if (r.organization() != null && !r.organization().isBlank()) {
            ObjectNode party = metadata.putArray("parties").addObject();
            party.put("uuid", uuid("party/" + r.organization()).toString());
            party.put("type", "organization");
            party.put("name", r.organization().strip());
        }
        metadata.put("remarks", "Continuous, event-driven testing of the Trust Services Criteria by ControlWatch. Every"
                + " execution of every control in the period is in the population file; this document aggregates"
                + " them per control (observations) and per criterion (findings).");

        ObjectNode importAp = ar.putObject("import-ap");
        importAp.put("href", "#" + plan);
        importAp.put("remarks", "OSCAL requires a reference to an assessment plan. Continuous monitoring has no"
                + " separate plan document: the reference points to the back-matter resource that describes the"
                + " method (the control pack's controls, tested on every event). See docs/auditors.md.");

        ObjectNode result = ar.putArray("results").addObject();
        result.put("uuid", uuid("result/" + period).toString());
        result.put("title", "Operating effectiveness " + time(r.periodFrom()) + " to " + time(r.periodTo()));
        result.put("description", "Every execution of the controls between " + time(r.periodFrom()) + " (included)"
                + " and " + time(r.periodTo()) + " (excluded), by event time: " + r.controls().size() + " control(s) over "
                + reviewed.size() + " criteria, of which " + manualReason.size() + " are manual.");
        result.put("start", time(r.periodFrom()));
        result.put("end", time(r.periodTo()));
        ObjectNode component = result.putObject("local-definitions").putArray("components").addObject();
        component.put("uuid", tool.toString());
        component.put("type", "software");
        component.put("title", "ControlWatch");
        component.put("description", "Open-source event-driven SOC 2 control monitoring: tests every control of"
                + " the control pack on every event and keeps every result as evidence.");
        component.putArray("props").add(prop("version", r.toolVersion()));
        component.putObject("status").put("state", "operational");
        ObjectNode reviewedControls = result.putObject("reviewed-controls");
        ObjectNode selection = reviewedControls.putArray("control-selections").addObject();
        selection.set("include-controls", include);
        reviewedControls.put("remarks", "AICPA Trust Services Criteria (2017, revised points of focus 2022). The"
                + " criteria are referenced by identifier only; no OSCAL catalog of them is published.");
        if (!observations.isEmpty()) {
            result.set("observations", observations);
        }
        if (!risks.isEmpty()) {
            result.set("risks", risks);
        }
        result.set("findings", findings);

        ArrayNode resources = ar.putObject("back-matter").putArray("resources");
        ObjectNode method = resources.addObject();
        method.put("uuid", plan.toString());
        method.put("title", "ControlWatch continuous monitoring (no separate assessment plan)");
        method.put("description", "Each control of the control pack is a rule evaluated on every relevant event as it"
                + " arrives; each evaluation is an execution (PASS, FAIL or ERROR) stored append-only and chained in a"
                + " signed hash chain. The population of the period is every execution whose event time lies in it.");
        ObjectNode population = resources.addObject();
        population.put("uuid", populationResource.toString());
        population.put("title", "Population of the period");
        population.put("description", "One row per execution of the period, with its control, version, result,"
                + " reason, subject and times.");
        ObjectNode rlink = population.putArray("rlinks").addObject();
        rlink.put("href", r.populationFile());
        rlink.put("media-type", r.populationFile().endsWith(".csv") ? "text/csv" : "application/octet-stream");
        if (r.populationSha256() != null) {
            ObjectNode hash = rlink.putArray("hashes").addObject();
            hash.put("algorithm", "SHA-256");
            hash.put("value", r.populationSha256().hex());
        }
        return doc;
    }

    private static ObjectNode observation(UUID id, ControlResult c, OperatingEffectiveness r, UUID tool) {
        ObjectNode o = F.objectNode();
        o.put("uuid", id.toString());
        o.put("title", c.controlId() + ": " + c.title());
        long tested = c.passes() + c.failures();
        o.put("description", c.title() + ". " + c.population() + " execution(s) in the period: " + c.passes()
                + " passed, " + c.failures() + " failed, " + c.errors() + " could not be tested"
                + (tested == 0 ? "." : "; exception rate " + percent(c.exceptionRate()) + "."));
        ArrayNode props = o.putArray("props");
        props.add(prop("control-id", c.controlId()));
        props.add(prop("population", Long.toString(c.population())));
        props.add(prop("passes", Long.toString(c.passes())));
        props.add(prop("failures", Long.toString(c.failures())));
        props.add(prop("errors", Long.toString(c.errors())));
        props.add(prop("exception-rate", percent(c.exceptionRate())));
        if (c.frequency() != null) {
            props.add(prop("frequency", c.frequency()));
        }
        for (String version : c.versions()) {
            props.add(prop("control-version", version));
        }
        o.putArray("methods").add("TEST");
        o.putArray("types").add("control-objective");
        o.set("origins", origins(tool));
        ObjectNode evidence = o.putArray("relevant-evidence").addObject();
        evidence.put("href", r.populationFile());
        evidence.put("description", "The population: the rows of " + r.populationFile() + " whose control is "
                + c.controlId() + ".");
        o.put("collected", time(r.generatedAt()));
        return o;
    }

    private static ObjectNode risk(UUID id, ControlResult c, UUID observation, OperatingEffectiveness r, UUID tool) {
        ObjectNode risk = F.objectNode();
        risk.put("uuid", id.toString());
        risk.put("title", "Open exceptions of " + c.controlId());
        risk.put("description", c.findingsOpenAtEnd() + " exception(s) of '" + c.title() + "' were still open at "
                + time(r.periodTo()) + ".");
        risk.put("statement", "Until remediated, the control objective of " + c.controlId() + " ("
                + String.join(", ", c.criteria()) + ") is not met for the subjects of these exceptions.");
        risk.put("status", "open");
        risk.set("origins", origins(tool));
        risk.putArray("related-observations").addObject().put("observation-uuid", observation.toString());
        return risk;
    }

    private static ObjectNode finding(UUID id, String criterion, List<ControlResult> controls, String manualReason,
                                      Map<String, UUID> observationOf, Map<String, UUID> riskOf,
                                      OperatingEffectiveness r, UUID tool) {
        long population = controls.stream().mapToLong(ControlResult::population).sum();
        long failures = controls.stream().mapToLong(ControlResult::failures).sum();
        long errors = controls.stream().mapToLong(ControlResult::errors).sum();
        long open = controls.stream().mapToLong(ControlResult::findingsOpenAtEnd).sum();
        String state;
        String reason;
        String coverage;
        String description;
        if (controls.isEmpty() && manualReason != null) {
            state = "not-satisfied";
            reason = "other";
            coverage = "manual";
            description = criterion + " is a manual criterion: ControlWatch does not test it. " + manualReason
                    + " Not-satisfied here means only \"not demonstrated by this assessment\", not a failure.";
        } else if (controls.isEmpty()) {
            state = "not-satisfied";
            reason = "other";
            coverage = "not-covered";
            description = "No control of the pack tests " + criterion + ": its operation is not evidenced here.";
        } else if (population == 0) {
            state = "not-satisfied";
            reason = "other";
            coverage = "not-executed";
            description = "No control testing " + criterion + " ran in the period: its operation is not evidenced.";
        } else if (failures > 0) {
            state = "not-satisfied";
            reason = "fail";
            coverage = "tested";
            description = failures + " exception(s) in " + population + " execution(s) of " + controls.size()
                    + " control(s); " + open + " still open at the period's end.";
        } else if (errors > 0) {
            state = "not-satisfied";
            reason = "other";
            coverage = "tested";
            description = errors + " of " + population + " event(s) could not be tested; the others passed.";
        } else {
            state = "satisfied";
            reason = "pass";
            coverage = "tested";
            description = "All " + population + " execution(s) of " + controls.size() + " control(s) passed.";
        }
        ObjectNode f = F.objectNode();
        f.put("uuid", id.toString());
        f.put("title", criterion);
        f.put("description", description);
        ArrayNode props = f.putArray("props");
        props.add(prop("coverage", coverage));
        props.add(prop("population", Long.toString(population)));
        props.add(prop("failures", Long.toString(failures)));
        props.add(prop("errors", Long.toString(errors)));
        f.set("origins", origins(tool));
        ObjectNode target = f.putObject("target");
        target.put("type", "objective-id");
        target.put("target-id", criterion);
        ObjectNode status = target.putObject("status");
        status.put("state", state);
        status.put("reason", reason);
        if (manualReason != null && !controls.isEmpty()) {
            f.put("remarks", "The pack also lists " + criterion + " as manual: " + manualReason);
        }
        ArrayNode related = F.arrayNode();
        ArrayNode relatedRisks = F.arrayNode();
        for (ControlResult c : controls) {
            related.addObject().put("observation-uuid", observationOf.get(c.controlId()).toString());
            if (riskOf.containsKey(c.controlId())) {
                relatedRisks.addObject().put("risk-uuid", riskOf.get(c.controlId()).toString());
            }
        }
        if (!related.isEmpty()) {
            f.set("related-observations", related);
        }
        if (!relatedRisks.isEmpty()) {
            f.set("related-risks", relatedRisks);
        }
        return f;
    }

    private static ArrayNode origins(UUID tool) {
        ArrayNode origins = F.arrayNode();
        ObjectNode actor = origins.addObject().putArray("actors").addObject();
        actor.put("type", "tool");
        actor.put("actor-uuid", tool.toString());
        return origins;
    }

    private static ObjectNode prop(String name, String value) {
        ObjectNode p = F.objectNode();
        p.put("name", name);
        p.put("ns", NS);
        p.put("value", value);
        return p;
    }

    private static String percent(double rate) {
        return String.format(Locale.ROOT, "%.2f%%", rate * 100);
    }

    /** OSCAL times: UTC with a zone, whole microseconds at most (its pattern takes any fraction). */
    private static String time(Instant t) {
        return t.truncatedTo(ChronoUnit.MICROS).toString();
    }

    /** A name-based UUID, version 5 (RFC 4122: SHA-1 of namespace and name); OSCAL accepts versions 4 and 5. */
    static UUID uuid(String name) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(toBytes(NAMESPACE));
            byte[] h = sha1.digest(name.getBytes(StandardCharsets.UTF_8));
            h[6] = (byte) ((h[6] & 0x0f) | 0x50);
            h[8] = (byte) ((h[8] & 0x3f) | 0x80);
            long msb = 0;
            long lsb = 0;
            for (int i = 0; i < 8; i++) {
                msb = (msb << 8) | (h[i] & 0xff);
                lsb = (lsb << 8) | (h[8 + i] & 0xff);
            }
            return new UUID(msb, lsb);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-1", e);
        }
    }

    private static byte[] toBytes(UUID u) {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (u.getMostSignificantBits() >>> (56 - 8 * i));
            b[8 + i] = (byte) (u.getLeastSignificantBits() >>> (56 - 8 * i));
        }
        return b;
    }

    /** TSC order: CC, A, C, PI, P, then numbers numerically (CC2.1 before CC10.1). */
    static final Comparator<String> TSC_ORDER = Comparator.<String>comparingInt(AssessmentResults::seriesRank)
            .thenComparing(AssessmentResults::series)
            .thenComparing(AssessmentResults::numbers, AssessmentResults::compareNumbers)
            .thenComparing(Comparator.naturalOrder());

    private static int seriesRank(String criterion) {
        return switch (series(criterion)) {
            case "CC" -> 0;
            case "A" -> 1;
            case "C" -> 2;
            case "PI" -> 3;
            case "P" -> 4;
            default -> 5;
        };
    }

    private static String series(String criterion) {
        int i = 0;
        while (i < criterion.length() && Character.isLetter(criterion.charAt(i))) {
            i++;
        }
        return criterion.substring(0, i).toUpperCase(Locale.ROOT);
    }

    private static int[] numbers(String criterion) {
        String rest = criterion.substring(series(criterion).length());
        String[] parts = rest.split("\\.");
        int[] n = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                n[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                n[i] = Integer.MAX_VALUE;
            }
        }
        return n;
    }

    private static int compareNumbers(int[] a, int[] b) {
        return java.util.Arrays.compare(a, b);
    }
}
