package io.controlwatch.bench;

import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Profiled stacks in the collapsed format (one line per distinct stack, {@code outer;...;inner count}), as
 * jfrconv writes async-profiler's and bench/profile.sh writes perf's, and the ordered rule tables that sort them
 * into cost categories ({@link CpuCategories} for the services, {@link PostgresCpu} for the database server).
 */
final class CollapsedStacks {

    private CollapsedStacks() {
    }

    /** A category and the frames that put a stack in it. */
    record Rule<C>(C category, Pattern frame) {
        Rule(C category, String regex) {
            this(category, Pattern.compile(regex));
        }
    }

    /** One distinct stack: its frames from the root to the leaf, and how many samples it had. */
    record Stack(List<String> frames, long count) {

        /** The stack of a collapsed line, each frame through {@code frame}; null for a blank or malformed line. */
        static Stack parse(String collapsedLine, UnaryOperator<String> frame) {
            String line = collapsedLine.strip();
            int space = line.lastIndexOf(' ');
            if (line.isEmpty() || space < 0) {
                return null;
            }
            return new Stack(Arrays.stream(line.substring(0, space).split(";")).map(frame).toList(),
                    Long.parseLong(line.substring(space + 1)));
        }
    }

    /**
     * The category of the first rule that matches any of the stack's frames: the rules' order is the precedence;
     * {@code otherwise} when none does.
     */
    static <C> C categorise(List<Rule<C>> rules, List<String> frames, C otherwise) {
        for (Rule<C> rule : rules) {
            for (String frame : frames) {
                if (rule.frame().matcher(frame).find()) {
                    return rule.category();
                }
            }
        }
        return otherwise;
    }
}
