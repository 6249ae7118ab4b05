package io.controlwatch.engine;

import io.controlwatch.engine.fixtures.FixtureRunner;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every fixture of every shipped pack, one test per case: events in, the expected executions out. */
class PackFixturesTest {

    static final Path SOC2 = Path.of("../control-packs/soc2");

    @TestFactory
    Stream<DynamicTest> soc2PackFixtures() {
        FixtureRunner.Report report = FixtureRunner.run(SOC2);
        return report.cases().stream().map(c -> DynamicTest.dynamicTest(c.control() + ": " + c.name(),
                () -> assertThat(c.problems())
                        .as(c.fixtureFile() + ", produced:\n" + String.join("\n", c.produced())).isEmpty()));
    }

    @Test
    void everyControlOfThePackHasFixtures() {
        assertThat(FixtureRunner.run(SOC2).controlsWithoutFixtures()).isEmpty();
    }

    /** What people read of a shipped control's failure is written, and tested, not left to the raw condition. */
    @Test
    void everyControlOfThePackHasAMessageThatAFixtureChecks() {
        FixtureRunner.Report report = FixtureRunner.run(SOC2);
        assertThat(report.pack().controls()).allSatisfy(c -> assertThat(c.message()).as(c.id()).isNotNull());
        assertThat(report.controlsWithUncheckedMessages()).isEmpty();
    }
}
