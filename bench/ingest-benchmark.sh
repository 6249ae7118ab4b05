#!/usr/bin/env bash
# JMH benchmark of the ingest service's per-event work without HTTP and Kafka (ingest-service IntakeBenchmark):
# nanoseconds per event for a whole batch of the bench's events, the envelope rules, and the data schemas now and
# with the Vert.x validator used before issue 14, side by side. Not a test: run it by hand, on a quiet machine, and
# compare with earlier runs only on the same machine.
#   bench/ingest-benchmark.sh [JMH options, e.g. -wi 2 -i 3]
set -euo pipefail
cd "$(dirname "$0")/.."
# the reactor resolves the sibling modules from their target/ directories: nothing needs to be installed
./mvnw -B -q -pl ingest-service -am test-compile dependency:build-classpath -DskipTests -Djacoco.skip=true \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
exec java -cp "ingest-service/target/test-classes:ingest-service/target/classes:$(cat ingest-service/target/bench-classpath.txt)" \
  org.openjdk.jmh.Main 'io.controlwatch.ingest.bench.IntakeBenchmark' -rf text -rff bench/results/ingest-jmh.txt "$@"
