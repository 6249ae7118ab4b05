#!/usr/bin/env bash
# Evidence bundle benchmark (evidence-integrity alone, no services): chains N generated executions, writes the export
# bundle streaming, verifies it offline, under a small heap. Prints rows/s of each step, bundle size and peak heap.
# Not a test: run it by hand and compare with earlier runs on the same machine only.
#   bench/evidence-bundle.sh [rows (1000000)] [partitions (6)] [max heap (64m)]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
partitions=${2:-6}
heap=${3:-64m}
./mvnw -B -q -pl evidence-integrity -am test-compile -DskipTests
cp=$(cd evidence-integrity && ../mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout)
zip=$(mktemp --suffix=.zip)
trap 'rm -f "$zip"' EXIT
{
  # the machine's load goes with the figures: on shared cores they vary twofold from run to run
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), -Xmx$heap"
  java "-Xmx$heap" -cp "evidence-integrity/target/test-classes:evidence-integrity/target/classes:$cp" \
    io.controlwatch.evidence.bench.BundleBench "$rows" "$partitions" "$zip"
} | tee bench/results/evidence-bundle.txt
