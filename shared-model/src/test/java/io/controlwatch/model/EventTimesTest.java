package io.controlwatch.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link EventTimes#parse} answers exactly what {@code OffsetDateTime.parse(...).toInstant()} answers. */
class EventTimesTest {

    @ParameterizedTest
    @ValueSource(strings = {"2026-11-28T09:15:00Z", "2026-11-28T09:15:00.5Z", "2026-11-28T09:15:00.123456789Z",
            "2026-11-28T09:15:00+01:00", "2026-11-28T09:15:00.25-05:30", "2026-11-28T09:15:00-00:00",
            "2024-02-29T23:59:59+18:00", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999-18:00",
            "2026-11-28t09:15:00z", "2026-11-28T09:15Z", "2026-11-28T09:15:00.Z", "2026-11-28T09:15:00+01:00:30"})
    void readsWhatOffsetDateTimeReads(String text) {
        assertEquals(OffsetDateTime.parse(text).toInstant(), EventTimes.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
            "2026-01-01T24:00:00Z", "2026-01-01T23:60:00Z", "2026-01-01T23:59:60Z", "2026-01-01T00:00:00+18:01",
            "2026-01-01T00:00:00+01:60", "2026-01-01T00:00:00.1234567890Z", "2026-01-01T00:00:00", "2026-01-01 00:00:00Z",
            "2026-1-01T00:00:00Z", "+2026-01-01T00:00:00Z", "2026-01-01T00:00:00+0100", "", "x", "２０２６-01-01T00:00:00Z"})
    void refusesWhatOffsetDateTimeRefuses(String text) {
        assertThrows(DateTimeParseException.class, () -> OffsetDateTime.parse(text));
        assertThrows(DateTimeParseException.class, () -> EventTimes.parse(text));
    }

    /** Random texts near the canonical form: every field in and out of range, every separator right and wrong. */
    @Test
    void agreesWithOffsetDateTimeOnRandomNearTimestamps() {
        Random random = new Random(20261204);
        String[] separators = {"-", "-", "-", "T", "t", " ", ":", "."};
        String[] zones = {"Z", "Z", "z", "+01:00", "-00:00", "+18:00", "-18:00", "+18:30", "+05:45", "+1:00", "+01:0",
                "+0100", "", "+24:00", "-23:59"};
        List<String> disagreements = new ArrayList<>();
        int accepted = 0;
        for (int i = 0; i < 200_000; i++) {
            StringBuilder text = new StringBuilder();
            text.append(number(random, 4, 10_000)).append(pick(random, separators, 0.95, "-"))
                    .append(number(random, 2, 14)).append(pick(random, separators, 0.95, "-"))
                    .append(number(random, 2, 33)).append(pick(random, separators, 0.95, "T"))
                    .append(number(random, 2, 26)).append(pick(random, separators, 0.95, ":"))
                    .append(number(random, 2, 62));
            if (random.nextDouble() < 0.95) {
                text.append(pick(random, separators, 0.95, ":")).append(number(random, 2, 62));
            }
            if (random.nextDouble() < 0.4) {
                text.append('.').append(String.valueOf(Math.abs(random.nextLong())), 0, random.nextInt(12));
            }
            text.append(zones[random.nextInt(zones.length)]);
            String expected = outcome(() -> OffsetDateTime.parse(text).toInstant());
            String actual = outcome(() -> EventTimes.parse(text.toString()));
            if (!expected.equals(actual)) {
                disagreements.add(text + ": OffsetDateTime " + expected + ", EventTimes " + actual);
            }
            if (!expected.startsWith("refused")) {
                accepted++;
            }
        }
        assertEquals(List.of(), disagreements.subList(0, Math.min(20, disagreements.size())));
        assertTrue(accepted > 20_000, "enough valid timestamps among the random ones: " + accepted);
    }

    private static String number(Random random, int width, int bound) {
        return String.format("%0" + width + "d", random.nextInt(bound));
    }

    private static String pick(Random random, String[] options, double usual, String usualOne) {
        return random.nextDouble() < usual ? usualOne : options[random.nextInt(options.length)];
    }

    private static String outcome(java.util.function.Supplier<Instant> parse) {
        try {
            return parse.get().toString();
        } catch (DateTimeParseException e) {
            return "refused";
        }
    }
}
