package io.controlwatch.evidence.sampling;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SamplingTest {

    private static final List<String> FIVE = List.of("00000000-0000-4000-8000-000000000003",
            "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000005",
            "00000000-0000-4000-8000-000000000002", "00000000-0000-4000-8000-000000000004");

    /**
     * Known answers from the shell, as docs/auditors.md tells an auditor to check a sample:
     * {@code printf '%s' "$id" | openssl dgst -sha256 -hmac "$seed"} and {@code LC_ALL=C sort ids.txt | sha256sum}.
     */
    @Test
    void anAuditorCanRecomputeTheSampleWithOpensslAndSha256sum() {
        Sample sample = Sampling.draw(FIVE, "2026-Q1-acme", 3);
        assertThat(sample.populationHash().hex())
                .isEqualTo("286114311ec3257dd5dbfd263895fbc77e78a45f8a305401f92770c890161efc");
        assertThat(sample.ids()).containsExactly("00000000-0000-4000-8000-000000000004",
                "00000000-0000-4000-8000-000000000003", "00000000-0000-4000-8000-000000000002");
        assertThat(sample.ranks().get(0))
                .isEqualTo("64a58bc6470fc786d8d8e5db5c8ecb48f4d26ceec3a6e8a853076863feb20e03");
        assertThat(sample.populationSize()).isEqualTo(5);
        assertThat(sample.seed()).isEqualTo("2026-Q1-acme");
    }

    @Test
    void sameSeedSamePopulationSameSampleWhateverTheOrderGiven() {
        List<String> population = population(5_000, 1);
        Sample first = Sampling.draw(population, "seed-a", 25);
        List<String> shuffled = new ArrayList<>(population);
        Collections.shuffle(shuffled, new Random(42));
        Sample again = Sampling.draw(shuffled, "seed-a", 25);
        assertThat(again).isEqualTo(first);
        assertThat(first.ids()).hasSize(25).doesNotHaveDuplicates();
        assertThat(population).containsAll(first.ids());
    }

    @Test
    void anotherSeedGivesAnotherSample() {
        List<String> population = population(5_000, 2);
        Set<List<String>> samples = new HashSet<>();
        for (String seed : List.of("a", "b", "c", "d", "e", "f", "g", "h")) {
            samples.add(Sampling.draw(population, seed, 25).ids());
        }
        assertThat(samples).hasSize(8);
        // and overlaps no more than chance would: 25 of 5,000 twice share ~0.1 ids on average
        List<String> a = Sampling.draw(population, "a", 25).ids();
        List<String> b = Sampling.draw(population, "b", 25).ids();
        assertThat(a.stream().filter(b::contains).count()).isLessThanOrEqualTo(3);
    }

    @Test
    void anotherPopulationHasAnotherHash() {
        List<String> population = population(100, 3);
        List<String> oneMore = new ArrayList<>(population);
        oneMore.add("00000000-0000-4000-8000-ffffffffffff");
        assertThat(Sampling.populationHash(oneMore)).isNotEqualTo(Sampling.populationHash(population));
        assertThat(Sampling.populationHash(population)).isEqualTo(Sampling.draw(population, "x", 1).populationHash());
    }

    @Test
    void growingTheSampleKeepsItsFirstItems() {
        // ranking does not depend on the size: a larger sample extends a smaller one (an auditor who needs more
        // items keeps the ones already tested)
        List<String> population = population(2_000, 4);
        List<String> small = Sampling.draw(population, "s", 10).ids();
        List<String> large = Sampling.draw(population, "s", 40).ids();
        assertThat(large.subList(0, 10)).isEqualTo(small);
    }

    @Test
    void neverMoreThanThePopulation() {
        Sample all = Sampling.draw(FIVE, "x", 60);
        assertThat(all.ids()).hasSize(5).containsExactlyInAnyOrderElementsOf(FIVE);
        assertThat(Sampling.draw(List.of(), "x", 25).ids()).isEmpty();
    }

    @ParameterizedTest(name = "{0}: table {1}, population {2} → {3}")
    @CsvSource({
            "continuous, 60, 100000, 60",
            "hourly,     40, 8760,   40",
            "daily,      25, 365,    25",
            "weekly,     10, 52,     10",
            "monthly,     3, 12,      3",
            "quarterly,   2, 4,       2",
            "annually,    1, 1,       1",
            "weekly,     10, 6,       6",
            "daily,      25, 0,       0",
            "Daily,      25, 30,     25"})
    void defaultSizesByFrequency(String frequency, int table, long population, int expected) {
        assertThat(SampleSizes.forFrequency(frequency)).isEqualTo(table);
        assertThat(SampleSizes.defaultSize(frequency, population)).isEqualTo(expected);
    }

    @Test
    void theTableFollowsCommonPractice() {
        // annual 1, quarterly 2, monthly 2-5, weekly 5-15, daily 20-40, many times a day 25-60
        assertThat(SampleSizes.table()).containsOnlyKeys("continuous", "hourly", "daily", "weekly", "monthly",
                "quarterly", "annually");
        assertThat(SampleSizes.forFrequency("annually")).isEqualTo(1);
        assertThat(SampleSizes.forFrequency("quarterly")).isEqualTo(2);
        assertThat(SampleSizes.forFrequency("monthly")).isBetween(2, 5);
        assertThat(SampleSizes.forFrequency("weekly")).isBetween(5, 15);
        assertThat(SampleSizes.forFrequency("daily")).isBetween(20, 40);
        assertThat(SampleSizes.forFrequency("hourly")).isBetween(25, 60);
        assertThat(SampleSizes.forFrequency("continuous")).isBetween(25, 60);
        assertThatThrownBy(() -> SampleSizes.forFrequency("fortnightly")).hasMessageContaining("unknown frequency");
    }

    @Test
    void hostileInputIsRefused() {
        assertThatThrownBy(() -> Sampling.draw(FIVE, "", 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Sampling.draw(FIVE, "x".repeat(257), 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Sampling.draw(FIVE, "x", -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Sampling.draw(FIVE, "x", Sampling.MAX_SIZE + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Sampling.draw(List.of("a", "a"), "x", 1)).hasMessageContaining("appears twice");
        assertThatThrownBy(() -> Sampling.draw(List.of("a\nb"), "x", 1)).isInstanceOf(IllegalArgumentException.class);
        Sampling.Drawer drawer = Sampling.drawer("x", 2);
        drawer.accept("b");
        assertThatThrownBy(() -> drawer.accept("a")).hasMessageContaining("must come sorted");
    }

    @Test
    void sortingIsByUtf8BytesAsLcAllCSortDoes() {
        // U+FF21 (fullwidth A, EF BC A1) sorts before U+1F600 (F0 9F 98 80) in UTF-8 bytes, but after its surrogate
        // pair (D83D …) in Java's UTF-16 order
        List<String> ids = new ArrayList<>(List.of("\uD83D\uDE00", "\uFF21", "z"));
        ids.sort(Sampling.UTF8_ORDER);
        assertThat(ids).containsExactly("z", "\uFF21", "\uD83D\uDE00");
    }

    private static List<String> population(int n, long salt) {
        List<String> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(String.format("%08x-0000-4000-8000-%012x", salt, i));
        }
        return ids;
    }
}
