package io.controlwatch.evidence.sampling;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Default sample sizes by how often a control operates, following common SOC 2 practice for a twelve-month period
 * (annual 1, quarterly 2, monthly 2-5, weekly 5-15, daily 20-40, many times a day 25-60). The exact numbers and why
 * they were picked are in docs/auditors.md ("Sampling"). They are defaults: sample sizes are the auditor's judgement,
 * and the sampling API takes any size.
 */
public final class SampleSizes {

    private static final Map<String, Integer> BY_FREQUENCY;

    static {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        sizes.put("continuous", 60); // event-driven: the largest populations, each item cheap to re-perform
        sizes.put("hourly", 40);     // many times a day (25-60): the middle
        sizes.put("daily", 25);      // the figure most often cited within 20-40 for daily controls
        sizes.put("weekly", 10);     // middle of 5-15: about a fifth of the 52 occurrences
        sizes.put("monthly", 3);     // middle of 2-5: a quarter of the twelve occurrences
        sizes.put("quarterly", 2);   // the figure every guide gives
        sizes.put("annually", 1);    // one occurrence a year: test it
        BY_FREQUENCY = java.util.Collections.unmodifiableMap(sizes);
    }

    private SampleSizes() {
    }

    /** The table, in the pack's frequency order. */
    public static Map<String, Integer> table() {
        return BY_FREQUENCY;
    }

    /** The default size for a frequency of the control pack ({@code continuous}, {@code hourly}, … {@code annually}). */
    public static int forFrequency(String frequency) {
        Integer size = frequency == null ? null : BY_FREQUENCY.get(frequency.toLowerCase(Locale.ROOT));
        if (size == null) {
            throw new IllegalArgumentException("unknown frequency '" + frequency + "'; one of " + BY_FREQUENCY.keySet());
        }
        return size;
    }

    /** The default size, never more than the population. */
    public static int defaultSize(String frequency, long populationSize) {
        return (int) Math.min(forFrequency(frequency), Math.max(0, populationSize));
    }
}
