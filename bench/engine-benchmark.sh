#!/usr/bin/env bash
# JMH benchmark of the rule engine alone (control-engine), with the whole shipped pack loaded: events/s on one
# thread. Not a test: run it by hand, on a quiet machine, and compare with earlier runs only on the same machine.
#   bench/engine-benchmark.sh [JMH options, e.g. -wi 2 -i 3]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -pl control-engine -am test-compile -DskipTests
cp=$(cd control-engine && ../mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout)
exec java -cp "control-engine/target/test-classes:control-engine/target/classes:$cp" org.openjdk.jmh.Main \
  ControlEngineBenchmark -rf text -rff bench/results/engine-jmh.txt "$@"
