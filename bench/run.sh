#!/usr/bin/env bash
# Benchmarks ControlWatch on the local stack against raw Kafka on the same broker, in one run:
#   1. raw Kafka: ProducerPerformance (records of the pipeline's event size, acks=all, 6 partitions) and
#      EndToEndLatency (producer -> consumer, acks=all);
#   2. pipeline throughput: events/s from the first HTTP POST until PostgreSQL holds every execution (the MFA
#      control's rows counted one by one, not the generator's word; the stateful controls' once no consumer has
#      anything left), with the CPU seconds every process used (from /proc);
#   3. pipeline latency: ingest -> failure recorded, at a fixed moderate rate (a share of the sustained rate), and
#      notification latency: failure recorded -> signed webhook received, for every finding the run opened;
#   4. peak RSS per service.
# Prints a table and, as its last line, the RESULT line; writes the same to bench/results/latest.md.
# Speeds are only compared as ratios to the baseline measured in the same run (shared, noisy machines).
#
# Usage: bench/run.sh [--events N] [--warmup N] [--latency-share F] [--latency-seconds S]
#                     [--kafka-records N] [--e2e-messages N] [--quick]
#   --events N           events in the measured throughput run (default 200000)
#   --warmup N           events posted first to warm the JVMs up, not measured (default 200000: with 20000,
#                        the JIT compiler threads were 29 % of the measured CPU; BENCHMARKS.md)
#   --latency-share F    latency run rate as a share of the measured pipeline rate (default 0.2)
#   --latency-seconds S  length of the latency run (default 30)
#   --latency-warmup S   unmeasured run at the latency rate, notifications on, before it (default 15; 0: none)
#   --kafka-records N    ProducerPerformance records (default 500000)
#   --e2e-messages N     EndToEndLatency round trips (default 10000)
#   --quick              small figures everywhere (a check that the script works, not a benchmark)
# Starts the local stack with deploy/local/up.sh if it is not running (and stops it again at the end).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

EVENTS=200000 WARMUP=200000 LATENCY_SHARE=0.2 LATENCY_SECONDS=30 LATENCY_WARMUP=15 KAFKA_RECORDS=500000 E2E_MESSAGES=10000
while (($#)); do
  case $1 in
    --events) EVENTS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --latency-share) LATENCY_SHARE=$2; shift 2 ;;
    --latency-seconds) LATENCY_SECONDS=$2; shift 2 ;;
    --latency-warmup) LATENCY_WARMUP=$2; shift 2 ;;
    --kafka-records) KAFKA_RECORDS=$2; shift 2 ;;
    --e2e-messages) E2E_MESSAGES=$2; shift 2 ;;
    --quick) EVENTS=10000 WARMUP=2000 LATENCY_SECONDS=10 LATENCY_WARMUP=5 KAFKA_RECORDS=100000 E2E_MESSAGES=2000; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
WORK="$BENCH_WORK/run-$STAMP"
mkdir -p "$WORK"
RAW_TOPIC=cw.bench.raw.v1 E2E_TOPIC=cw.bench.e2e.v1

STARTED_STACK=0 NOTIFY_CONFIGURED=0
cleanup() {
  local rc=$?
  if ((NOTIFY_CONFIGURED)); then
    bench_notify_restore >/dev/null 2>&1 || warn "could not put the notification config back"
  fi
  if [[ -n ${KAFKA_BOOTSTRAP_SERVERS:-} ]] && live_pid kafka >/dev/null; then
    delete_bench_topic "$RAW_TOPIC"
    delete_bench_topic "$E2E_TOPIC"
  fi
  stop_started_stack || true
  exit "$rc"
}
trap cleanup EXIT

ensure_jar
ensure_stack
load_stack_env
for s in "${CW_SERVICES[@]}"; do await_ready "$s" 60 || die "$s is not ready"; done
live_pid demo-feed >/dev/null && warn "the demo feed is running: its load makes every pipeline figure worse"

# ---------------------------------------------------------------------------------------------
# 1. Raw Kafka on the same broker.
# ---------------------------------------------------------------------------------------------
SIZE=$(field "$(lg size)" bytes)
info "events average $SIZE bytes; raw Kafka baseline with records of that size"
create_bench_topic "$RAW_TOPIC" 6
create_bench_topic "$E2E_TOPIC" 6

info "ProducerPerformance: $KAFKA_RECORDS records, acks=all, as fast as possible ..."
java -Xmx512m -Dorg.apache.logging.log4j.level=WARN -cp "$KAFKA_LIB/*" org.apache.kafka.tools.ProducerPerformance \
  --topic "$RAW_TOPIC" --num-records "$KAFKA_RECORDS" --record-size "$SIZE" --throughput -1 \
  --producer-props acks=all "bootstrap.servers=$KAFKA_BOOTSTRAP_SERVERS" >"$WORK/producer-perf.txt" 2>&1 ||
  { tail -n 20 "$WORK/producer-perf.txt" >&2; die "ProducerPerformance failed"; }
# last line: "N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency, ..."
perf=$(grep 'records sent' "$WORK/producer-perf.txt" | tail -n 1)
KAFKA_EPS=$(sed -E 's/.* records sent, ([0-9.]+) records\/sec.*/\1/' <<<"$perf")
KAFKA_EPS=${KAFKA_EPS%.*}
[[ $KAFKA_EPS =~ ^[0-9]+$ ]] || die "cannot read ProducerPerformance's result: $perf"

info "EndToEndLatency: $E2E_MESSAGES round trips, acks=all ..."
java -Xmx512m -Dorg.apache.logging.log4j.level=WARN -cp "$KAFKA_LIB/*" org.apache.kafka.tools.EndToEndLatency \
  "$KAFKA_BOOTSTRAP_SERVERS" "$E2E_TOPIC" "$E2E_MESSAGES" all "$SIZE" >"$WORK/end-to-end-latency.txt" 2>&1 ||
  { tail -n 20 "$WORK/end-to-end-latency.txt" >&2; die "EndToEndLatency failed"; }
# "Percentiles: 50th = a, 99th = b, 99.9th = c" (whole milliseconds)
pct=$(grep '^Percentiles' "$WORK/end-to-end-latency.txt" | tail -n 1)
KAFKA_P50=$(sed -E 's/.*50th = ([0-9]+).*/\1/' <<<"$pct")
KAFKA_P99=$(sed -E 's/.*[^.]99th = ([0-9]+).*/\1/' <<<"$pct")
[[ $KAFKA_P99 =~ ^[0-9]+$ ]] || die "cannot read EndToEndLatency's result: $pct"
# the tool reports whole milliseconds; below 1 ms counts as 1 so the ratio stays finite (and conservative)
KAFKA_P99_RATIO_BASE=$((KAFKA_P99 < 1 ? 1 : KAFKA_P99))
delete_bench_topic "$RAW_TOPIC"
delete_bench_topic "$E2E_TOPIC"

# ---------------------------------------------------------------------------------------------
# 2. Pipeline throughput (after a warm-up), with CPU per process.
# ---------------------------------------------------------------------------------------------
NOTIFY_CONFIGURED=1
bench_notify_quiet
info "warm-up: $WARMUP events through the pipeline (not measured) ..."
lg throughput --run-dir "$WORK/warmup" --run-id "w$STAMP" --events "$WARMUP" --batch 500 --concurrency 4 \
  >"$WORK/warmup.out" 2>"$WORK/warmup.err" || { cat "$WORK/warmup.err" >&2; die "warm-up failed"; }

info "throughput: $EVENTS events, posted as fast as ingest accepts them, until PostgreSQL holds every execution ..."
cpu_snapshot >"$WORK/cpu-before.txt"
lg throughput --run-dir "$WORK/throughput" --run-id "t$STAMP" --events "$EVENTS" --batch 500 --concurrency 4 \
  >"$WORK/throughput.out" 2>"$WORK/throughput.err" || { cat "$WORK/throughput.err" >&2; die "throughput run failed"; }
cpu_snapshot >"$WORK/cpu-after.txt"
THROUGHPUT=$(grep '^THROUGHPUT' "$WORK/throughput.out")
PIPELINE_EPS=$(field "$THROUGHPUT" pipeline_eps)
ACCEPTED=$(field "$THROUGHPUT" accepted)
LOST=$(field "$THROUGHPUT" lost)
((PIPELINE_EPS > 0)) || die "the pipeline did not store every execution (lost=$LOST, drained=$(field "$THROUGHPUT" drained)): $THROUGHPUT"
cpu_delta "$WORK/cpu-before.txt" "$WORK/cpu-after.txt" >"$WORK/cpu.txt"
cpu_of() { cpu_group "$WORK/cpu.txt" "$1"; }
CPU_TOTAL=$(awk '$1 != "jit" { s += $2 } END { printf "%.1f", s }' "$WORK/cpu.txt")
EPS_PER_CPU=$(awk -v e="$ACCEPTED" -v c="$CPU_TOTAL" 'BEGIN { printf "%d", (c > 0 ? e / c : 0) }')
# The JIT compiler threads' share of it: warm-up a process pays once, not per event; shown, never subtracted
# from the headline figure.
CPU_JIT=$(cpu_group "$WORK/cpu.txt" jit 0.0)
EPS_PER_CPU_NO_JIT=$(awk -v e="$ACCEPTED" -v c="$CPU_TOTAL" -v j="$CPU_JIT" 'BEGIN { printf "%d", (c - j > 0 ? e / (c - j) : 0) }')

# ---------------------------------------------------------------------------------------------
# 3. Latency at a fixed, moderate rate.
# ---------------------------------------------------------------------------------------------
RATE=$(awk -v e="$PIPELINE_EPS" -v s="$LATENCY_SHARE" 'BEGIN { r = int(e * s); print r < 10 ? 10 : r }')
NOTIFY_CONFIGURED=1
HOOK_LOG="$WORK/notify-hook.log"
bench_notify_setup "$HOOK_LOG"
# The latency run is the first to open findings and send notifications (the throughput run has no receivers): its
# paths are warmed up first, as the throughput run's are, or the JIT compiling them is what it measures (p99 4.9 s
# in a first run at 700 events/s, 1.1 s in a third; BENCHMARKS.md, "Where the CPU goes").
if ((LATENCY_WARMUP > 0)); then
  info "latency warm-up: $RATE events/s for $LATENCY_WARMUP s with notifications (not measured) ..."
  WARM_FROM=$(db_now)
  lg latency --run-dir "$WORK/latency-warmup" --run-id "lw$STAMP" --rate "$RATE" --seconds "$LATENCY_WARMUP" \
    --batch 10 --concurrency 8 >"$WORK/latency-warmup.out" 2>"$WORK/latency-warmup.err" ||
    { cat "$WORK/latency-warmup.err" >&2; die "latency warm-up failed"; }
  notify_wait_settled "$WARM_FROM" 300 || warn "the warm-up's notifications still pending after 5 minutes"
fi
NOTIFY_FROM=$(db_now)
cpu_snapshot_with_receivers >"$WORK/latency-cpu-before.txt"
info "latency: $RATE events/s ($LATENCY_SHARE of the sustained rate) for $LATENCY_SECONDS s, batches of 10 ..."
lg latency --run-dir "$WORK/latency" --run-id "l$STAMP" --rate "$RATE" --seconds "$LATENCY_SECONDS" --batch 10 \
  --concurrency 8 >"$WORK/latency.out" 2>"$WORK/latency.err" || { cat "$WORK/latency.err" >&2; die "latency run failed"; }
LATENCY=$(grep '^LATENCY' "$WORK/latency.out")
P50=$(field "$LATENCY" p50_ms)
P99=$(field "$LATENCY" p99_ms)
MISSING=$(field "$LATENCY" failures_missing)
# Where that latency goes, from the rows the latency run's failures left: ingest -> evaluated (ingest, the broker, the
# evaluation service and its exactly-once commit) and evaluated -> recorded (the alerting service's queue and storing
# transaction). control_execution's ingest_time, evaluated_at and recorded_at come from three processes' clocks (and
# PostgreSQL's): one machine's clock here.
STAGES=$(psql_db -F ' ' -c "select
    round(percentile_cont(0.5) within group (order by extract(epoch from evaluated_at - ingest_time)) * 1000),
    round(percentile_cont(0.99) within group (order by extract(epoch from evaluated_at - ingest_time)) * 1000),
    round(percentile_cont(0.5) within group (order by extract(epoch from recorded_at - evaluated_at)) * 1000),
    round(percentile_cont(0.99) within group (order by extract(epoch from recorded_at - evaluated_at)) * 1000)
  from control_execution where result = 'FAIL'
    and ingest_time between to_timestamp($(field "$LATENCY" first_start_ms) / 1000.0)
                        and to_timestamp($(field "$LATENCY" last_end_ms) / 1000.0)") || STAGES="- - - -"
read -r EVAL_P50 EVAL_P99 RECORD_P50 RECORD_P99 <<<"$STAGES"

# Notification latency: for each finding opened during the latency run, from the moment its opening failure was
# recorded (control_execution.recorded_at, the storing transaction's time) to the moment the webhook receiver got its
# signed controlwatch.finding.opened delivery (same machine clock).
notify_wait_settled "$NOTIFY_FROM" 300 || warn "notifications still pending 5 minutes after the latency run"
psql_db -F ' ' -c "select cast(f.finding_id as text), (extract(epoch from min(x.recorded_at)) * 1000)::bigint
  from finding f join finding_evidence e on e.finding_id = f.finding_id and e.result = 'FAIL'
  join control_execution x on x.execution_id = e.execution_id
  where f.opened_at >= '$NOTIFY_FROM' group by f.finding_id" >"$WORK/notify-opened.txt"
awk 'NR == FNR { recorded[$1] = $2; next }
  $3 == "true" && $4 == "controlwatch.finding.opened" { n = split($5, f, ","); for (i = 1; i <= n; i++)
    if ((f[i]) in recorded && !(f[i] in seen)) { seen[f[i]] = 1; print $1 - recorded[f[i]] } }' \
  "$WORK/notify-opened.txt" "$HOOK_LOG" | sort -n >"$WORK/notify-latencies.txt"
# CPU from the latency run's start until its notifications were delivered: what its rate costs with notifying, the
# receivers included (bench/notify-cost.sh takes it apart by receiver).
cpu_snapshot_with_receivers >"$WORK/latency-cpu-after.txt"
cpu_delta "$WORK/latency-cpu-before.txt" "$WORK/latency-cpu-after.txt" >"$WORK/latency-cpu.txt"
latency_cpu_of() { cpu_group "$WORK/latency-cpu.txt" "$1"; }
NOTIFY_COUNT=$(wc -l <"$WORK/notify-latencies.txt")
NOTIFY_OPENED=$(wc -l <"$WORK/notify-opened.txt")
percentile() { awk -v p="$1" '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit } i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; print v[i] }' "$2"; }
NOTIFY_P50=$(percentile 50 "$WORK/notify-latencies.txt")
NOTIFY_P99=$(percentile 99 "$WORK/notify-latencies.txt")

# ---------------------------------------------------------------------------------------------
# 4. Figures.
# ---------------------------------------------------------------------------------------------
RATIO=$(awk -v p="$PIPELINE_EPS" -v k="$KAFKA_EPS" 'BEGIN { printf "%.3f", p / k }')
LATENCY_RATIO=$(awk -v p="$P99" -v k="$KAFKA_P99_RATIO_BASE" 'BEGIN { printf "%.1f", p / k }')
P99_INT=$(awk -v p="$P99" 'BEGIN { printf "%d", p + 0.5 }')
RESULT="RESULT pipeline_eps=$PIPELINE_EPS kafka_eps=$KAFKA_EPS ratio=$RATIO p99_ms=$P99_INT kafka_p99_ms=$KAFKA_P99 latency_ratio=$LATENCY_RATIO eps_per_cpu_s=$EPS_PER_CPU notify_p99_ms=$NOTIFY_P99 jit_cpu_s=$CPU_JIT eps_per_cpu_s_without_jit=$EPS_PER_CPU_NO_JIT"

COMMIT=$(git -C "$CW_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$CW_ROOT" diff --quiet HEAD -- 2>/dev/null || COMMIT+=" (with uncommitted changes)"
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
MACHINE="$(hostname), $(nproc) cores ($CPU_MODEL), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"

table() {
  cat <<EOF2
| Figure | Value |
|---|---|
| Event size (bytes, JSON) | $SIZE |
| Raw Kafka producer (records/s, acks=all, 6 partitions) | $KAFKA_EPS |
| Raw Kafka end-to-end latency p50 / p99 (ms) | $KAFKA_P50 / $KAFKA_P99 |
| Pipeline sustained (events/s, HTTP -> rows in PostgreSQL) | $PIPELINE_EPS |
| Pipeline / raw Kafka throughput | $RATIO |
| Ingest accept rate during that run (events/s) | $(field "$THROUGHPUT" accepted_eps) |
| Seconds until every MFA execution was stored / until the stateful controls had drained too | $(field "$THROUGHPUT" mfa_complete_seconds) / $(field "$THROUGHPUT" pipeline_seconds) |
| Latency run rate (events/s) | $RATE |
| Ingest -> failure recorded p50 / p99 (ms) | $P50 / $P99 |
| Of it, from the stored rows: ingest -> evaluated p50 / p99, evaluated -> recorded p50 / p99 (ms) | $EVAL_P50 / $EVAL_P99, $RECORD_P50 / $RECORD_P99 |
| Pipeline p99 / raw Kafka p99 | $LATENCY_RATIO |
| Failures not recorded within 60 s (latency run) | $MISSING |
| Failure recorded -> signed webhook received p50 / p99 (ms), findings opened in the latency run | $NOTIFY_P50 / $NOTIFY_P99 ($NOTIFY_COUNT of $NOTIFY_OPENED findings) |
| Latency run until its notifications were delivered, CPU seconds: ingest / evaluation / alerting / kafka / postgres / mail catcher / webhook receiver (of the services' and kafka's, their JIT compiler threads) | $(latency_cpu_of ingest) / $(latency_cpu_of evaluation) / $(latency_cpu_of alerting) / $(latency_cpu_of kafka) / $(latency_cpu_of postgres) / $(latency_cpu_of mail-catcher) / $(latency_cpu_of bench-webhook) ($(latency_cpu_of jit)) |
| CPU seconds: ingest / evaluation / alerting / kafka / postgres | $(cpu_of ingest) / $(cpu_of evaluation) / $(cpu_of alerting) / $(cpu_of kafka) / $(cpu_of postgres) |
| CPU seconds, all pipeline processes | $CPU_TOTAL |
| Events per CPU second | $EPS_PER_CPU |
| Of the CPU seconds, the JVMs' JIT compiler threads (warm-up, paid once per process) | $CPU_JIT |
| Events per CPU second without the JIT compiler threads | $EPS_PER_CPU_NO_JIT |
| Load generator CPU seconds (not counted above) | $(field "$THROUGHPUT" generator_cpu_s) |
| Peak RSS MiB: ingest / evaluation / alerting / kafka | $(peak_rss_mb ingest) / $(peak_rss_mb evaluation) / $(peak_rss_mb alerting) / $(peak_rss_mb kafka) |
EOF2
}

mkdir -p "$BENCH_DIR/results"
{
  echo "# Latest benchmark results"
  echo
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "- Commit: $COMMIT"
  echo "- Machine: $MACHINE"
  echo "- Runs: $EVENTS events measured after a $WARMUP-event warm-up; latency at $RATE events/s for $LATENCY_SECONDS s"
  echo "- Raw output: bench/.work/run-$STAMP/"
  echo
  table
  echo
  echo '```'
  echo "$RESULT"
  echo '```'
} >"$BENCH_DIR/results/latest.md"

echo
table
echo
info "written to bench/results/latest.md (raw output in ${WORK#"$CW_ROOT"/})"
echo "$RESULT"
