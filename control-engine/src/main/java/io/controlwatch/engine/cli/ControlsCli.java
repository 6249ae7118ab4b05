package io.controlwatch.engine.cli;

import io.controlwatch.engine.Control;
import io.controlwatch.engine.ControlPack;
import io.controlwatch.engine.ControlPackException;
import io.controlwatch.engine.ControlPackLoader;
import io.controlwatch.engine.fixtures.FixtureRunner;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * {@code controls validate <pack.yaml>} and {@code controls test <pack-dir>}: check a pack, and run its fixtures,
 * the way {@code opa test} runs policy tests. Exit status 0 only when everything passed.
 */
public final class ControlsCli {

    private ControlsCli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 2 && args[0].equals("validate")) {
            return validate(Path.of(args[1]), out, err);
        }
        if (args.length == 2 && args[0].equals("test")) {
            return test(Path.of(args[1]), out, err);
        }
        err.println("usage: controls validate <pack.yaml>   validate a control pack");
        err.println("       controls test <pack-dir>        validate <pack-dir>/controls.yaml and run <pack-dir>/fixtures/*.yaml");
        return 2;
    }

    private static int validate(Path file, PrintStream out, PrintStream err) {
        try {
            ControlPack pack = ControlPackLoader.load(file);
            out.printf("OK %s: pack %s %s, %d controls%n", file, pack.name(), pack.version(), pack.controls().size());
            summary(pack, out);
            return 0;
        } catch (ControlPackException e) {
            err.println(e.getMessage());
            return 1;
        }
    }

    private static int test(Path dir, PrintStream out, PrintStream err) {
        if (!Files.isDirectory(dir)) {
            err.println(dir + " is not a pack directory (with controls.yaml and fixtures/)");
            return 2;
        }
        FixtureRunner.Report report;
        try {
            report = FixtureRunner.run(dir);
        } catch (ControlPackException e) {
            err.println(e.getMessage());
            return 1;
        }
        Map<String, List<FixtureRunner.CaseResult>> byControl = report.cases().stream()
                .collect(Collectors.groupingBy(FixtureRunner.CaseResult::control, TreeMap::new, Collectors.toList()));
        int failedControls = 0;
        for (Control control : report.pack().controls()) {
            List<FixtureRunner.CaseResult> cases = byControl.getOrDefault(control.id(), List.of());
            List<FixtureRunner.CaseResult> failed = cases.stream().filter(c -> !c.passed()).toList();
            if (cases.isEmpty()) {
                out.printf("FAIL %-45s no fixtures%n", control.id());
                failedControls++;
            } else if (failed.isEmpty() && report.controlsWithUncheckedMessages().contains(control.id())) {
                out.printf("FAIL %-45s %-11s message not checked by any fixture (add 'message:' to an expected failure)%n",
                        control.id(), control.rule().kind());
                failedControls++;
            } else if (failed.isEmpty()) {
                out.printf("PASS %-45s %-11s %d cases%n", control.id(), control.rule().kind(), cases.size());
            } else {
                failedControls++;
                out.printf("FAIL %-45s %-11s %d of %d cases failed%n", control.id(), control.rule().kind(), failed.size(), cases.size());
                for (FixtureRunner.CaseResult c : failed) {
                    out.printf("     %s: %s%n", c.fixtureFile(), c.name());
                    c.problems().forEach(p -> out.println("       " + p));
                    // what the case really produced, in the fixture's own syntax: judge it, then paste it
                    out.println("       produced (fixture syntax):");
                    out.println("         expect:" + (c.produced().isEmpty() ? " []" : ""));
                    c.produced().forEach(line -> out.println("           " + line));
                }
            }
        }
        report.cases().stream().filter(c -> report.pack().control(c.control()).isEmpty())
                .forEach(c -> out.printf("FAIL %s: %s%n", c.fixtureFile(), String.join("; ", c.problems())));
        long cases = report.cases().size();
        long passedCases = report.cases().stream().filter(FixtureRunner.CaseResult::passed).count();
        int controls = report.pack().controls().size();
        out.printf("%n%d of %d controls passed their fixtures (%d of %d cases), pack %s %s%n", controls - failedControls,
                controls, passedCases, cases, report.pack().name(), report.pack().version());
        return report.passed() ? 0 : 1;
    }

    private static void summary(ControlPack pack, PrintStream out) {
        Map<String, Long> byKind = pack.controls().stream()
                .collect(Collectors.groupingBy(c -> c.rule().kind(), TreeMap::new, Collectors.counting()));
        out.println("  by kind: " + byKind);
        out.printf("  with a message: %d of %d controls%n", pack.controls().stream().filter(c -> c.message() != null).count(),
                pack.controls().size());
        Map<String, List<String>> byCriterion = new TreeMap<>();
        for (Control c : pack.controls()) {
            c.criteria().forEach(cr -> byCriterion.computeIfAbsent(cr, k -> new java.util.ArrayList<>()).add(c.id()));
        }
        byCriterion.forEach((criterion, ids) -> out.printf("  %-6s %s%n", criterion, String.join(", ", ids)));
        pack.manual().forEach(m -> out.printf("  manual %s: %s%n", m.criteria(), m.reason()));
    }
}
