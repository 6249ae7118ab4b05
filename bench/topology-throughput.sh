#!/usr/bin/env bash
# The evaluation service's real topology (the whole shipped pack) draining a backlog on a real, private in-JVM
# KRaft broker: events/s from ready to committed end of the events topic, and the service's CPU per event; twice,
# side by side in one run: every liveness arrival routed (CW_EVALUATION_ARRIVAL_COALESCING=0), then coalesced.
# Not a test; run by hand.
#   bench/topology-throughput.sh [events, default 100000] [--jvm "<JVM options>" ...]
#   --jvm  compare JVM option sets instead (repeatable; e.g. --jvm -XX:+UseG1GC --jvm -XX:+UseParallelGC): each one
#          drains the backlog twice, interleaved, with coalescing on, until the stateful work is done too
set -euo pipefail
cd "$(dirname "$0")/.."
# the reactor resolves the sibling modules from their target/ directories: nothing needs to be installed
./mvnw -B -q -pl evaluation-service -am package -DskipTests -Djacoco.skip=true
./mvnw -B -q -pl system-tests -am test-compile dependency:build-classpath -DskipTests -Djacoco.skip=true \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
cd system-tests
exec java -Dcw.repo.root=.. -cp "target/test-classes:$(cat target/bench-classpath.txt)" \
  io.controlwatch.system.bench.TopologyThroughput "$@"
