package io.controlwatch.engine.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Durations as a pack writes them ({@code 30s}, {@code 26h}, {@code 90d}, {@code PT5M}) and as messages spell them. */
class DurationsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            250ms   | PT0.25S
            30s     | PT30S
            5m      | PT5M
            26h     | PT26H
            90d     | PT2160H
            ' 5m '  | PT5M
            5 m     | PT5M
            0s      | PT0S
            PT5M    | PT5M
            P1DT2H  | PT26H
            PT-1M   | PT-1M
            """)
    void parsesEveryUnitAndIso8601(String text, String iso) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.parse(iso));
    }

    @Test
    void namesWhatIsWrongWithADuration() {
        assertThatThrownBy(() -> Durations.parse(null)).hasMessage("a duration is required (e.g. 5m, 26h, 90d)");
        assertThatThrownBy(() -> Durations.parse("  ")).hasMessage("a duration is required (e.g. 5m, 26h, 90d)");
        assertThatThrownBy(() -> Durations.parse("5w")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'5w' is not a duration (e.g. 30s, 5m, 26h, 90d or PT5M)");
        assertThatThrownBy(() -> Durations.parse("1h30m")).hasMessage("'1h30m' is not a duration (e.g. 30s, 5m, 26h, 90d or PT5M)");
        // beyond what a Duration holds: a pack error, not an ArithmeticException out of the loader
        assertThatThrownBy(() -> Durations.parse("999999999999999d")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'999999999999999d' is too long a duration");
        assertThatThrownBy(() -> Durations.parse("99999999999999999999s")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'99999999999999999999s' is too long a duration");
    }

    /** The shortest spelling a pack would use: what a reason or message says of a window or a grace. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            PT0S       | 0s
            PT1S       | 1s
            PT59S      | 59s
            PT60S      | 1m
            PT90M      | 90m
            PT61S      | 61s
            PT1H       | 1h
            PT26H      | 26h
            PT24H      | 1d
            PT2160H    | 90d
            PT24H1S    | 86401s
            PT1.5S     | 1500ms
            PT0.001S   | 1ms
            PT-60S     | -60s
            PT-1H      | -3600s
            PT-24H     | -86400s
            """)
    void formatsInTheLargestWholeUnit(String iso, String text) {
        assertThat(Durations.format(Duration.parse(iso))).isEqualTo(text);
    }

    /** A measured gap for people: its two largest units, rounded down. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            PT0S           | 0s
            PT45S          | 45s
            PT59.9S        | 59s
            PT60S          | 1m
            PT61S          | 1m 1s
            PT59M59S       | 59m 59s
            PT1H           | 1h
            PT1H30M        | 1h 30m
            PT1H30M59S     | 1h 30m
            PT1H0M5S       | 1h
            PT24H          | 1d
            PT24H30S       | 1d
            PT76H5M        | 3d 4h
            PT-5M          | 0s
            """)
    void humanGivesTheTwoLargestUnits(String iso, String text) {
        assertThat(Durations.human(Duration.parse(iso))).isEqualTo(text);
    }
}
