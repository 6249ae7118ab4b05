#!/usr/bin/env bash
# The ingest service in two configurations side by side, on one running local stack: two extra ingest processes
# started with the command line and environment up.sh gave the first one (ports 8091 and 8092), each with its own JVM
# options; the same throughput load (bench/run.sh's: batches of 500, 4 connections) posted to each in turn, and each
# process's CPU per event from /proc. Both feed the same pipeline, so the rest of the stack works for both alike.
# Not a test; run by hand after deploy/local/up.sh.
#   bench/ingest-side-by-side.sh "<JVM options A>" "<JVM options B>" [rounds, default 4] [events per round, default 100000]
#   e.g. bench/ingest-side-by-side.sh "" "-Dmp.messaging.outgoing.events-out.batch.size=16384"
# Each process first takes WARMUP events unmeasured (default 300,000: the JIT); then the rounds alternate A, B.
# Two builds side by side: INGEST_APP_A / INGEST_APP_B name a quarkus-app directory each (default: this checkout's
# ingest-service/target/quarkus-app), e.g. a copy of it taken before a change. BATCH (default 500) and CONCURRENCY
# (default 4) shape the requests: BATCH=10 CONCURRENCY=8 is the latency run's.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source-path=SCRIPTDIR source=lib.sh
source bench/lib.sh
load_stack_env
OPTS_A=${1-}
OPTS_B=${2-}
ROUNDS=${3:-4}
EVENTS=${4:-100000}
WARMUP=${WARMUP:-300000}
APP_A=${INGEST_APP_A:-ingest-service/target/quarkus-app}
APP_B=${INGEST_APP_B:-ingest-service/target/quarkus-app}
BATCH=${BATCH:-500}
CONCURRENCY=${CONCURRENCY:-4}
for app in "$APP_A" "$APP_B"; do [[ -f $app/quarkus-run.jar ]] || die "no $app/quarkus-run.jar"; done
WORK="$BENCH_DIR/.work/ingest-side-by-side-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$WORK"

first=$(live_pid ingest) || die "no ingest process: start the stack with deploy/local/up.sh first"
# the first instance's environment, without what must differ per process
tr '\0' '\n' <"/proc/$first/environ" | grep -v '^QUARKUS_HTTP_PORT=\|^CW_INSTANCE_ID=' >"$WORK/ingest.env"

start_ingest() { # port instance-id jvm-options quarkus-app-directory
  local -a opts
  read -ra opts <<<"$3"
  (
    while IFS= read -r line; do export "${line?}"; done <"$WORK/ingest.env"
    QUARKUS_HTTP_PORT=$1 CW_INSTANCE_ID=$2 setsid nohup java -Xmx512m "${opts[@]}" \
      -jar "$4/quarkus-run.jar" >"$WORK/$2.log" 2>&1 </dev/null &
    echo $!
  )
}
PID_A=$(start_ingest 8091 ingest-side-a "$OPTS_A" "$APP_A")
PID_B=$(start_ingest 8092 ingest-side-b "$OPTS_B" "$APP_B")
trap 'kill $PID_A $PID_B 2>/dev/null || true' EXIT
for port in 8091 8092; do
  for _ in $(seq 120); do curl -sf "http://127.0.0.1:$port/q/health/ready" >/dev/null && break; sleep 1; done
  curl -sf "http://127.0.0.1:$port/q/health/ready" >/dev/null || die "the ingest process on $port did not get ready"
done

round() { # label port pid events
  local before after out="$WORK/$1.out"
  before=$(proc_ticks "$3")
  CW_INGEST_URL="http://127.0.0.1:$2" lg throughput --run-dir "$WORK/$1" --run-id "$1-$(date +%s)" --events "$4" \
    --batch "$BATCH" --concurrency "$CONCURRENCY" >"$out" 2>"$WORK/$1.err" || die "round $1 failed: $(tail -3 "$WORK/$1.err")"
  after=$(proc_ticks "$3")
  echo "$1 events=$4 cpu_s=$(awk -v d=$((after - before)) 'BEGIN{printf "%.2f", d/100}')" \
    "cpu_us_per_event=$(awk -v d=$((after - before)) -v n="$4" 'BEGIN{printf "%.1f", d*1e6/100/n}')" \
    "$(grep -o 'accepted_eps=[0-9]*' "$out")"
}
info "A: $APP_A ${OPTS_A:-(no options)}; B: $APP_B ${OPTS_B:-(no options)}; batches of $BATCH, $CONCURRENCY at a time; warming both up with $WARMUP events each ..."
round warm-a 8091 "$PID_A" "$WARMUP" >/dev/null
round warm-b 8092 "$PID_B" "$WARMUP" >/dev/null
for i in $(seq "$ROUNDS"); do
  round "A$i" 8091 "$PID_A" "$EVENTS"
  round "B$i" 8092 "$PID_B" "$EVENTS"
done | tee "$WORK/result.txt"
info "raw output in $WORK"
