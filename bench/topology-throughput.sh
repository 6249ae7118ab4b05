#!/usr/bin/env bash
# The evaluation service's real topology (the whole shipped pack) draining a backlog on a real, private in-JVM
# KRaft broker: events/s from ready to committed end of the events topic. Not a test; run by hand.
#   bench/topology-throughput.sh [events, default 100000]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q install -DskipTests -pl shared-model,control-engine,service-common,test-support,evaluation-service,system-tests -am
./mvnw -B -q -pl system-tests test-compile
cp=$(cd system-tests && ../mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout)
cd system-tests
exec java -Dcw.repo.root=.. -cp "target/test-classes:$cp" io.controlwatch.system.bench.TopologyThroughput "$@"
