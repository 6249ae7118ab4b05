package io.controlwatch.evaluation.stream.internal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The deadline index's time component: the same text as {@code %019d}, so keys written before keep their order. */
class KafkaRuleStorePadTest {

    @Test
    void padsAsFormatDidAndSortsByTime() {
        List<Long> samples = new ArrayList<>(List.of(0L, 1L, 9L, 10L, 1_767_225_600_000L, Long.MAX_VALUE, -1L,
                Long.MIN_VALUE));
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 10_000; i++) {
            samples.add(random.nextLong(0, Long.MAX_VALUE) >>> random.nextInt(63));
        }
        for (long millis : samples) {
            assertThat(KafkaRuleStore.pad(millis)).as("%d", millis).isEqualTo(String.format("%019d", millis));
        }
        for (int i = 1; i < samples.size(); i++) {
            long a = samples.get(i - 1);
            long b = samples.get(i);
            if (a >= 0 && b >= 0) {
                assertThat(Integer.signum(KafkaRuleStore.pad(a).compareTo(KafkaRuleStore.pad(b))))
                        .isEqualTo(Long.signum(Long.compare(a, b)));
            }
        }
    }
}
