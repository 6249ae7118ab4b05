package io.controlwatch.engine.internal;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Pack durations: {@code 30s}, {@code 5m}, {@code 26h}, {@code 90d}, or ISO-8601 ({@code PT5M}). */
public final class Durations {

    private static final Pattern SHORT = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private Durations() {
    }

    public static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("a duration is required (e.g. 5m, 26h, 90d)");
        }
        Matcher m = SHORT.matcher(text.trim());
        if (m.matches()) {
            try {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            } catch (ArithmeticException | NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is too long a duration");
            }
        }
        try {
            return Duration.parse(text.trim());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (e.g. 30s, 5m, 26h, 90d or PT5M)");
        }
    }

    /** The shortest pack spelling of a duration, for messages. */
    public static String format(Duration d) {
        long s = d.getSeconds();
        if (d.getNano() != 0) return d.toMillis() + "ms";
        if (s % 86400 == 0 && s > 0) return s / 86400 + "d";
        if (s % 3600 == 0 && s > 0) return s / 3600 + "h";
        if (s % 60 == 0 && s > 0) return s / 60 + "m";
        return s + "s";
    }

    /**
     * A measured duration for people: its two largest units, rounded down ({@code 3d 4h}, {@code 1h 30m},
     * {@code 45s}). {@link #format} would spell an arbitrary gap in seconds.
     */
    public static String human(Duration d) {
        long rest = Math.max(0, d.getSeconds());
        long[] sizes = {86400, 3600, 60, 1};
        String[] units = {"d", "h", "m", "s"};
        int first = 0;
        while (first < sizes.length - 1 && rest < sizes[first]) {
            first++;
        }
        String out = rest / sizes[first] + units[first];
        if (first < sizes.length - 1) {
            long next = rest % sizes[first] / sizes[first + 1];
            if (next > 0) {
                out += " " + next + units[first + 1];
            }
        }
        return out;
    }
}
