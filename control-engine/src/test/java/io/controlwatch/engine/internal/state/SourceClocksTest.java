package io.controlwatch.engine.internal.state;

import io.controlwatch.engine.InMemoryRuleStore;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-source clocks of one partition of rule state (docs/controls.md "Time, grace and late events"), as an on-call
 * engineer meets them: how far a source's events count as complete, what an idle, slow, lying or backfilling source
 * holds back, and that all of it survives a restart of the partition.
 */
class SourceClocksTest {

    private static final long SECOND = 1_000;
    private static final long MINUTE = 60 * SECOND;
    private static final long HOUR = 60 * MINUTE;
    private static final long IDLE = 15 * MINUTE;
    private static final long SKEW = 5 * MINUTE;
    /** The start of an hour: delays are remembered per wall-clock hour. */
    private static final long W = Instant.parse("2026-03-02T10:00:00Z").toEpochMilli();
    private static final String CONTROL = "cc7.2-failed-login-burst";
    private static final String POLLER = "https://okta-poller.example.com";
    private static final String PROBE = "urn:probe:eu-1";

    private final InMemoryRuleStore store = new InMemoryRuleStore();

    private SourceClocks clocks(long idleAfter, int maxSources, int maxFeeders) {
        return new SourceClocks(store, List.of(CONTROL), idleAfter, SKEW, maxSources, maxFeeders);
    }

    private SourceClocks clocks() {
        return clocks(IDLE, 100, 100);
    }

    @Test
    void aSourceNeverHeardFromHoldsNothingBackAndItsFirstEventStartsItsClock() {
        SourceClocks clocks = clocks();
        assertThat(clocks.known(POLLER)).isFalse();
        assertThat(clocks.latest(POLLER)).isEqualTo(Long.MIN_VALUE);
        assertThat(clocks.watermark(POLLER, W)).isEqualTo(W);
        assertThat(clocks.effectiveTime(CONTROL, W)).as("a control nobody feeds runs on the wall").isEqualTo(W);

        clocks.observe(POLLER, false, W - 4 * MINUTE, W);

        assertThat(clocks.known(POLLER)).isTrue();
        assertThat(clocks.latest(POLLER)).isEqualTo(W - 4 * MINUTE);
        assertThat(clocks.watermark(POLLER, W)).as("complete up to its event").isEqualTo(W - 4 * MINUTE);
        assertThat(clocks.watermark(POLLER, W + MINUTE)).as("the wall minus its delay, once time passes")
                .isEqualTo(W - 3 * MINUTE);
        assertThat(clocks.size()).isEqualTo(1);
    }

    @Test
    void aSourceStopsHoldingBackOnlyOnceSilentLongerThanTheIdleTime() {
        SourceClocks clocks = clocks();
        clocks.observe(POLLER, false, W - MINUTE, W);

        assertThat(clocks.watermark(POLLER, W + IDLE)).as("silent exactly the idle time: still its delay")
                .isEqualTo(W + IDLE - MINUTE);
        assertThat(clocks.watermark(POLLER, W + IDLE + 1)).as("silent longer: the wall").isEqualTo(W + IDLE + 1);
    }

    @Test
    void anEventTimeBeyondTheWallPlusTheSkewMovesTheClockOnlyThatFar() {
        SourceClocks clocks = clocks();
        clocks.observe(POLLER, false, Instant.parse("9999-12-31T00:00:00Z").toEpochMilli(), W);

        assertThat(clocks.latest(POLLER)).isEqualTo(W + SKEW);
        assertThat(clocks.watermark(POLLER, W)).isEqualTo(W + SKEW);
    }

    @Test
    void theDelayHeldBackIsTheLargestOfThisHourAndTheLast() {
        SourceClocks clocks = clocks(3 * HOUR, 100, 100); // an idle time long enough to watch the hours pass
        clocks.observe(POLLER, false, W, W + 10 * MINUTE); // 10 minutes late

        long nextHour = W + HOUR + 30 * MINUTE;
        clocks.observe(POLLER, false, nextHour - SECOND, nextHour); // 1 second late, an hour on
        long silent = nextHour + 20 * MINUTE;
        assertThat(clocks.watermark(POLLER, silent)).as("last hour's 10 minutes still count").isEqualTo(silent - 10 * MINUTE);

        long hourAfter = W + 2 * HOUR + 30 * MINUTE;
        assertThat(clocks.watermark(POLLER, hourAfter)).as("an hour on, the hour before counts alone")
                .isEqualTo(hourAfter - SECOND);
        long twoHoursAfter = W + 3 * HOUR + 30 * MINUTE - 1;
        assertThat(clocks.watermark(POLLER, twoHoursAfter)).as("two hours on, no delay is remembered")
                .isEqualTo(twoHoursAfter);
    }

    @Test
    void aDelayFromBeforeASilentHourIsNotCarriedOver() {
        SourceClocks clocks = clocks(3 * HOUR, 100, 100);
        clocks.observe(POLLER, false, W, W + 10 * MINUTE); // 10 minutes late
        long twoHoursOn = W + 2 * HOUR + 10 * MINUTE;

        clocks.observe(POLLER, false, twoHoursOn - SECOND, twoHoursOn);

        long wall = twoHoursOn + 20 * MINUTE;
        assertThat(clocks.watermark(POLLER, wall)).isEqualTo(wall - SECOND);
    }

    @Test
    void aLongerDelaySeenLaterNeverMovesTheSourcesClockBack() {
        SourceClocks clocks = clocks();
        clocks.observe(POLLER, false, W, W);
        long wall = W + 10 * MINUTE;
        assertThat(clocks.watermark(POLLER, wall)).isEqualTo(wall);

        clocks.observe(POLLER, false, wall - 30 * MINUTE, wall); // a straggler half an hour late

        assertThat(clocks.watermark(POLLER, wall)).as("what its events were judged against stays").isEqualTo(wall);
        assertThat(clocks.latest(POLLER)).isEqualTo(W);
    }

    @Test
    void aBackfillRunsOnItsOwnLatestEventTimeNeverOnTheWall() {
        SourceClocks clocks = clocks();
        String backfill = SourceClocks.clockOf(POLLER, true);
        assertThat(backfill).isNotEqualTo(SourceClocks.clockOf(POLLER, false));
        long monthAgo = W - 30L * 24 * HOUR;

        clocks.observe(backfill, true, monthAgo, W);

        assertThat(clocks.watermark(backfill, W + MINUTE)).isEqualTo(monthAgo);
        assertThat(clocks.known(POLLER)).as("the live clock is apart").isFalse();
        clocks.feeds(CONTROL, backfill);
        assertThat(clocks.feedersOf(CONTROL, W)).singleElement().satisfies(view -> {
            assertThat(view.backfill()).isTrue();
            assertThat(view.delayMillis()).as("a backfill's age is not a delay").isZero();
        });
    }

    @Test
    void aControlRunsOnTheSlowestSourceFeedingItUpToTheBoundOnFeeders() {
        SourceClocks clocks = clocks(IDLE, 100, 2);
        clocks.observe(POLLER, false, W - 4 * MINUTE, W);
        clocks.observe(PROBE, false, W, W);
        clocks.observe("urn:third", false, W - 10 * MINUTE, W);

        clocks.feeds(CONTROL, PROBE);
        assertThat(clocks.effectiveTime(CONTROL, W)).isEqualTo(W);
        clocks.feeds(CONTROL, POLLER);
        clocks.feeds(CONTROL, POLLER);
        assertThat(clocks.effectiveTime(CONTROL, W)).isEqualTo(W - 4 * MINUTE);
        clocks.feeds(CONTROL, "urn:third");
        assertThat(clocks.effectiveTime(CONTROL, W)).as("a third feeder is beyond the bound of 2").isEqualTo(W - 4 * MINUTE);
        assertThat(clocks.feedersOf(CONTROL, W)).extracting(SourceClocks.SourceView::source)
                .containsExactlyInAnyOrder(PROBE, POLLER);
        assertThat(clocks.feedersOf(CONTROL, W)).filteredOn(v -> v.source().equals(POLLER))
                .singleElement().satisfies(v -> assertThat(v.delayMillis()).isEqualTo(4 * MINUTE));

        clocks.feeds("cc9.9-a-control-of-a-newer-pack", POLLER);
        assertThat(clocks.effectiveTime("cc9.9-a-control-of-a-newer-pack", W)).isEqualTo(W - 4 * MINUTE);
    }

    @Test
    void theBoundOfEveryControlsEffectiveTimeHoldsWhateverTheSourcesDidAndIsTight() {
        SourceClocks clocks = clocks();
        assertThat(clocks.effectiveTimeBound(W)).as("no source yet: the wall").isEqualTo(W);
        // a source ahead of the wall (within the skew) raises it to its event time, exactly
        clocks.observe(PROBE, false, W + 2 * MINUTE, W);
        clocks.feeds(CONTROL, PROBE);
        assertThat(clocks.effectiveTime(CONTROL, W)).isEqualTo(W + 2 * MINUTE);
        assertThat(clocks.effectiveTimeBound(W)).isEqualTo(W + 2 * MINUTE);
        assertThat(clocks.effectiveTimeBound(W + HOUR)).as("the wall, once past every clock").isEqualTo(W + HOUR);
        // ... and it survives a restart of the partition (clocks read back from the store)
        assertThat(clocks().effectiveTimeBound(W)).isEqualTo(W + 2 * MINUTE);

        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        String[] sources = {POLLER, PROBE, "urn:a", "urn:b", "urn:c"};
        long wall = W;
        for (int i = 0; i < 5_000; i++) {
            wall += random.nextLong(0, 2 * MINUTE);
            String source = sources[random.nextInt(sources.length)];
            boolean backfill = random.nextInt(10) == 0;
            String clock = SourceClocks.clockOf(source, backfill);
            clocks.observe(clock, backfill, wall + random.nextLong(-2 * HOUR, 10 * MINUTE), wall);
            if (random.nextBoolean()) {
                clocks.feeds(CONTROL, clock);
            }
            long at = wall + random.nextLong(0, 30 * MINUTE);
            assertThat(clocks.effectiveTime(CONTROL, at)).as("step %d", i).isLessThanOrEqualTo(clocks.effectiveTimeBound(at));
        }
    }

    @Test
    void clocksAndFeedersSurviveARestartOfThePartition() {
        SourceClocks before = clocks();
        before.observe(POLLER, false, W - 4 * MINUTE, W);
        before.feeds(CONTROL, POLLER);

        SourceClocks after = clocks();

        assertThat(after.known(POLLER)).isTrue();
        assertThat(after.latest(POLLER)).isEqualTo(W - 4 * MINUTE);
        assertThat(after.effectiveTime(CONTROL, W + MINUTE)).isEqualTo(W - 3 * MINUTE);
    }

    @Test
    void unreadableBookkeepingIsLearntAgainNotFatal() {
        store.putMeta(SourceClocks.SOURCE + POLLER, "not;a;clock");
        store.putMeta(SourceClocks.SOURCE + PROBE, "a;b;c;d;e;f;g");
        store.putMeta(SourceClocks.FEEDERS + CONTROL, "{not json");

        SourceClocks clocks = clocks();

        assertThat(clocks.known(POLLER)).isFalse();
        assertThat(clocks.known(PROBE)).isFalse();
        assertThat(clocks.effectiveTime(CONTROL, W)).isEqualTo(W);
        clocks.observe(POLLER, false, W - MINUTE, W);
        clocks.feeds(CONTROL, POLLER);
        assertThat(clocks.effectiveTime(CONTROL, W)).isEqualTo(W - MINUTE);
    }

    @Test
    void sourcesSilentLongerThanTheRetentionAreForgottenEverywhere() {
        SourceClocks clocks = clocks(IDLE, 100, 2);
        long retention = Duration.ofDays(7).toMillis();
        clocks.observe(POLLER, false, W - 4 * MINUTE, W);
        clocks.observe(PROBE, false, W + MINUTE, W + MINUTE);
        clocks.feeds(CONTROL, POLLER);
        clocks.feeds(CONTROL, PROBE);

        clocks.forgetSilent(W + retention, retention);
        assertThat(clocks.known(POLLER)).as("silent exactly the retention").isTrue();

        long wall = W + retention + 1;
        clocks.forgetSilent(wall, retention);
        assertThat(clocks.known(POLLER)).isFalse();
        assertThat(clocks.known(PROBE)).isTrue();

        SourceClocks restarted = clocks(IDLE, 100, 2);
        assertThat(restarted.known(POLLER)).as("forgotten in the store too").isFalse();
        restarted.observe("urn:third", false, wall - 10 * MINUTE, wall);
        restarted.feeds(CONTROL, "urn:third");
        assertThat(restarted.effectiveTime(CONTROL, wall)).as("the forgotten source freed its place among the feeders")
                .isEqualTo(wall - 10 * MINUTE);
        assertThat(restarted.feedersOf(CONTROL, wall)).extracting(SourceClocks.SourceView::source)
                .containsExactlyInAnyOrder(PROBE, "urn:third");
    }

    @Test
    void beyondTheBoundOnSourcesTheLongestSilentIsForgotten() {
        SourceClocks clocks = clocks(IDLE, 5, 100);
        List<String> sources = List.of("urn:e", "urn:b", "urn:d", "urn:a", "urn:c");
        for (int i = 0; i < sources.size(); i++) {
            clocks.observe(sources.get(i), false, W + i * SECOND, W + i * SECOND);
        }
        clocks.observe("urn:e", false, W + 10 * SECOND, W + 10 * SECOND); // spoke again: urn:b is now the most silent

        clocks.observe("urn:new", false, W + 11 * SECOND, W + 11 * SECOND);

        assertThat(clocks.size()).isEqualTo(5);
        assertThat(clocks.known("urn:b")).isFalse();
        assertThat(List.of("urn:e", "urn:d", "urn:a", "urn:c", "urn:new")).allMatch(clocks::known);
    }
}
