#!/usr/bin/env bash
# How the evaluation service's cost per event grows with the pack and with its state (issue 14): eps_per_cpu_s at
# 5, 45 (the shipped pack) and 200 controls (packs generated from the shipped one), at 1,000 subjects, and at 1,000,
# 100,000 and 1,000,000 distinct subjects with the shipped pack; with the size of the Kafka Streams state on disk.
# Each point is the packaged service in a fresh application id draining a backlog on one private in-JVM KRaft broker
# (as topology-throughput.sh, but until the stateful controls' input is drained too), all points in one run, side by
# side. One RESULT line per point, tables in bench/results/scaling-latest.md; packs, logs, state and its keys per
# control in system-tests/target/scaling/. Not a test; run by hand, on a quiet machine (defaults: 1.8 million events
# drained by five services, the point both series share measured once; an estimated 10-15 minutes on 2 cores).
#   bench/scaling.sh [--events 200000]            events per point; a point with more subjects has one per subject
#                    [--controls 5,shipped,200]   the controls series ('' skips it); shipped: the shipped pack
#                    [--controls-subjects 1000]   distinct subjects of the controls series
#                    [--subjects 1000,100000,1000000]  the subjects series, with the shipped pack ('' skips it)
#                    [--port 18182]               HTTP port of the service under test
#                    [--results bench/results/scaling-latest.md]
# Try the script (figures mean nothing): bench/scaling.sh --events 20000 --subjects 1000,5000
set -euo pipefail
caller=$PWD
cd "$(dirname "$0")/.."
if [[ ${1:-} == --help || ${1:-} == -h ]]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit 0
fi
args=("$@")
# a relative --results is relative to where the script was called from
for ((i = 0; i < ${#args[@]}; i++)); do
  if [[ ${args[i]} == --results && $((i + 1)) -lt ${#args[@]} && ${args[i + 1]} != /* ]]; then
    args[i + 1]="$caller/${args[i + 1]}"
  fi
done
# the reactor resolves the sibling modules from their target/ directories: nothing needs to be installed
./mvnw -o -B -q -pl evaluation-service -am package -DskipTests -Djacoco.skip=true
./mvnw -o -B -q -pl system-tests -am test-compile dependency:build-classpath -DskipTests -Djacoco.skip=true \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . || echo ' (with uncommitted changes)')"
cd system-tests
exec java -Dcw.repo.root=.. -Dcw.commit="$commit" -cp "target/test-classes:$(cat target/bench-classpath.txt)" \
  io.controlwatch.system.bench.ScalingBenchmark "${args[@]}"
