package io.controlwatch.console.api;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The control page's trend, drawn from the report's per-day figures (one API call, whatever the period). */
class ControlTrendTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static ConsoleResource.Period period(String to, int days) {
        Instant end = Instant.parse(to);
        return new ConsoleResource.Period(days, end.minus(Duration.ofDays(days)), end, List.of(1, 7, 30, 90));
    }

    @Test
    void aWeekIsOnePointPerUtcDayItTouchesWithTheDaysWithoutExecutionsAtZero() throws Exception {
        JsonNode daily = JSON.readTree("""
                [{"day": "2026-03-01", "passes": 2, "failures": 1},
                 {"day": "2026-03-08", "passes": 5, "failures": 0},
                 {"day": "2026-02-01", "passes": 9, "failures": 9}]""");
        List<ConsoleResource.TrendPoint> trend = ConsoleResource.trend(daily, period("2026-03-08T10:31:00Z", 7));
        // 1 March 10:31 to 8 March 10:31: eight UTC days; a day outside the period is left out
        assertThat(trend).hasSize(8);
        assertThat(trend.get(0)).isEqualTo(new ConsoleResource.TrendPoint(
                Instant.parse("2026-03-01T00:00:00Z").getEpochSecond(), 2, 1));
        assertThat(trend.get(1).passes() + trend.get(1).failures()).isZero();
        assertThat(trend.get(7)).isEqualTo(new ConsoleResource.TrendPoint(
                Instant.parse("2026-03-08T00:00:00Z").getEpochSecond(), 5, 0));
    }

    @Test
    void ninetyDaysAreAtMost31BucketsOfWholeDaysThatAddUpToTheDays() throws Exception {
        StringBuilder days = new StringBuilder("[");
        Instant first = Instant.parse("2026-01-01T00:00:00Z");
        for (int i = 0; i < 91; i++) {
            days.append(i == 0 ? "" : ",").append("{\"day\": \"").append(first.plus(Duration.ofDays(i)).toString(), 0, 10)
                    .append("\", \"passes\": 1, \"failures\": ").append(i % 2).append('}');
        }
        List<ConsoleResource.TrendPoint> trend = ConsoleResource.trend(JSON.readTree(days.append(']').toString()),
                period("2026-04-01T00:00:00Z", 90));
        assertThat(trend).hasSizeLessThanOrEqualTo(31);
        assertThat(trend.get(0).at()).isEqualTo(first.getEpochSecond());
        // 1 January to 31 March: 90 days with one pass each, every other one with a failure
        assertThat(trend.stream().mapToLong(ConsoleResource.TrendPoint::passes).sum()).isEqualTo(90);
        assertThat(trend.stream().mapToLong(ConsoleResource.TrendPoint::failures).sum()).isEqualTo(45);
    }
}
