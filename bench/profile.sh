#!/usr/bin/env bash
# Where the CPU goes (issue 14): async-profiler (tools.profiler:async-profiler from Maven Central) samples the CPU of
# ingest, evaluation, alerting and the broker while bench/run.sh's throughput load runs (after a warm-up, not
# profiled), then writes
#   - one HTML flame graph per process (jfr-converter, same source), and the collapsed stacks and JFR recordings;
#   - a table: per service and cost category (JSON parse, validate, CEL, state store, produce, commits, JDBC, ...)
#     its share of the sampled CPU and the µs of CPU per event (the process's CPU from /proc, as run.sh measures it,
#     split by those shares); the broker as a total. The categories are the ordered pattern table in
#     bench/load-generator/.../CpuCategories.java (first match wins);
#   - where PostgreSQL's CPU goes, when perf (Debian's linux-perf) is installed and may sample the whole machine:
#     perf record -a -g over the same run, the server's stacks sorted into index inserts, on-conflict probes, WAL,
#     relation extension, planning and so on (PostgresCpu.java), split into µs per event the same way.
# Everything goes to bench/.work/profile-<timestamp>/ (not in git); the table also to bench/results/profile-latest.md.
#
# Usage: bench/profile.sh [--events N] [--warmup N] [--interval-ms MS] [--quick]
#   --events N         events in the profiled throughput run (default 200000)
#   --warmup N         events posted first to warm the JVMs up, not profiled (default 100000: after a 20,000-event warm-up the
#                      JIT compilers still took 30-40 % of each service's CPU for a minute; that is start-up, not per event)
#   --interval-ms MS   CPU time between two samples of one process (default 5)
#   --quick            10,000 events after 2,000 (a check that the script works, not a profile)
# Starts the local stack with deploy/local/up.sh --no-console if it is not running, with CW_JAVA_OPTS holding
# -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints (frames of inlined code are then attributed to the right
# method) and the profiler's agent, idle until jcmd starts it, and stops it again at the end. A running stack is
# reused (with a warning if it lacks them; the agent is then attached to it).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

EVENTS=200000 WARMUP=100000 INTERVAL_MS=5
while (($#)); do
  case $1 in
    --events) EVENTS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --interval-ms) INTERVAL_MS=$2; shift 2 ;;
    --quick) EVENTS=10000 WARMUP=2000; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
[[ $INTERVAL_MS =~ ^[1-9][0-9]*$ ]] || die "--interval-ms takes whole milliseconds (1 or more)"

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
WORK="$BENCH_WORK/profile-$STAMP"
mkdir -p "$WORK"
PROFILED=("${CW_SERVICES[@]}" kafka)

# ---------------------------------------------------------------------------------------------
# The profiler: the native agent from async-profiler's jar, the converter from jfr-converter's (both Maven Central,
# fetched once into ~/.m2 by the Maven wrapper). Loaded into the running JVMs with jcmd, so start-up and warm-up
# are not in the profile and the services need no restart between profiles.
# ---------------------------------------------------------------------------------------------
AP_VERSION=4.2
TOOLS="$BENCH_WORK/tools/async-profiler-$AP_VERSION"
case $(uname -m) in
  x86_64) AP_PLATFORM=linux-x64 ;;
  aarch64) AP_PLATFORM=linux-arm64 ;;
  *) die "async-profiler ships no agent for $(uname -m)" ;;
esac
AP_LIB="$TOOLS/$AP_PLATFORM/libasyncProfiler.so"
JFRCONV="$TOOLS/jfr-converter-$AP_VERSION.jar"
if [[ ! -s $AP_LIB || ! -s $JFRCONV ]]; then
  info "fetching async-profiler $AP_VERSION and jfr-converter (tools.profiler, Maven Central)"
  mkdir -p "$TOOLS"
  for artifact in async-profiler jfr-converter; do
    (cd "$CW_ROOT" && ./mvnw -B -q dependency:copy -Dartifact="tools.profiler:$artifact:$AP_VERSION" \
      -DoutputDirectory="$TOOLS") || die "could not fetch tools.profiler:$artifact:$AP_VERSION"
  done
  (cd "$TOOLS" && unzip -q -o "async-profiler-$AP_VERSION.jar" "$AP_PLATFORM/libasyncProfiler.so") ||
    die "no $AP_PLATFORM agent in async-profiler-$AP_VERSION.jar"
fi
command -v jcmd >/dev/null || die "jcmd not found: the profiler is controlled with it (install a JDK, not a JRE)"
# The agent is loaded at start-up, so that attaching it mid-run cannot add JIT work to the profile: attached to
# warm JVMs, the compilers took 43 % of the evaluation service's samples in the profile's first 30 s, 9 % after.
PROFILE_JVM_OPTS="-XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints -agentpath:$AP_LIB"

# ap_command NAME COMMAND: an async-profiler command to NAME's JVM. The quotes keep jcmd from reading the
# options' '=' as its own name=value arguments; the agent's answer goes to the service's log, so check the code.
ap_command() {
  local pid out
  pid=$(live_pid "$1") || return 1
  out=$(jcmd "$pid" JVMTI.agent_load "$AP_LIB" "\"$2\"" 2>&1) || { echo "$out" >&2; return 1; }
  grep -q 'return code: 0' <<<"$out" || { echo "$out" >&2; return 1; }
}

STARTED_STACK=0 NOTIFY_CONFIGURED=0 PROFILING=() PERF_PID=
cleanup() {
  local rc=$? s
  [[ -z $PERF_PID ]] || kill -INT "$PERF_PID" 2>/dev/null || true
  for s in ${PROFILING[@]+"${PROFILING[@]}"}; do
    ap_command "$s" stop 2>/dev/null || true
  done
  if ((NOTIFY_CONFIGURED)); then
    bench_notify_restore >/dev/null 2>&1 || warn "could not put the notification config back"
  fi
  stop_started_stack || true
  exit "$rc"
}
trap cleanup EXIT

# PostgreSQL is native code: perf samples it (user and kernel stacks; the server's binary exports its function names).
PG_PERF=0
if ! command -v perf >/dev/null; then
  warn "perf not found (Debian: apt-get install linux-perf): PostgreSQL's CPU is shown as a total only"
elif ! perf record -q -a -g -o "$WORK/perf-probe.data" -- true >"$WORK/perf-probe.err" 2>&1; then
  warn "perf may not sample the whole machine here ($(head -n 1 "$WORK/perf-probe.err")): PostgreSQL's CPU is shown as a total only"
else
  PG_PERF=1
fi
rm -f "$WORK/perf-probe.data"

ensure_jar
# the agent rides on the JVM options up.sh gives every service (a stack already running is profiled only if it
# was started with them)
export CW_JAVA_OPTS="${CW_JAVA_OPTS:-} $PROFILE_JVM_OPTS"
ensure_stack --no-console
load_stack_env
for s in "${CW_SERVICES[@]}"; do
  await_ready "$s" 60 || die "$s is not ready"
  tr '\0' ' ' <"/proc/$(live_pid "$s")/cmdline" | grep -qF -- "$PROFILE_JVM_OPTS" ||
    warn "$s was started without \"$PROFILE_JVM_OPTS\": inlined frames are attributed less precisely and attaching the agent costs JIT time in the profile"
done
live_pid demo-feed >/dev/null && warn "the demo feed is running: its events are in the profile too"

# ---------------------------------------------------------------------------------------------
# Warm-up (not profiled), then the profiled throughput run, with CPU per process and records per topic.
# ---------------------------------------------------------------------------------------------
NOTIFY_CONFIGURED=1
bench_notify_quiet
info "warm-up: $WARMUP events through the pipeline (not profiled) ..."
lg throughput --run-dir "$WORK/warmup" --run-id "pw$STAMP" --events "$WARMUP" --batch 500 --concurrency 4 \
  >"$WORK/warmup.out" 2>"$WORK/warmup.err" || { cat "$WORK/warmup.err" >&2; die "warm-up failed"; }

# End offsets of every topic (internal ones too: repartition, changelogs): what each event costs in records.
topic_offsets() {
  kafka_tool org.apache.kafka.tools.GetOffsetShell --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" --time -1 2>/dev/null |
    awk -F: '{ n[$1] += $NF } END { for (t in n) print t, n[t] }' | sort
}
topic_offsets >"$WORK/offsets-before.txt"

for s in "${PROFILED[@]}"; do
  ap_command "$s" "start,event=cpu,interval=${INTERVAL_MS}ms,jfr,file=$WORK/$s.jfr" ||
    die "could not start async-profiler in $s (see above)"
  PROFILING+=("$s")
done
if ((PG_PERF)); then
  perf record -q -a -g -F $((1000 / INTERVAL_MS)) -o "$WORK/perf.data" >"$WORK/perf.log" 2>&1 &
  PERF_PID=$!
fi
info "profiling ${PROFILED[*]} (async-profiler $AP_VERSION, cpu every $INTERVAL_MS ms)$( ((PG_PERF)) && echo " and postgres (perf)")"
cpu_snapshot >"$WORK/cpu-before.txt"
info "throughput: $EVENTS events, as fast as ingest accepts them, until PostgreSQL holds every execution ..."
lg throughput --run-dir "$WORK/throughput" --run-id "p$STAMP" --events "$EVENTS" --batch 500 --concurrency 4 \
  >"$WORK/throughput.out" 2>"$WORK/throughput.err" || { cat "$WORK/throughput.err" >&2; die "throughput run failed"; }
cpu_snapshot >"$WORK/cpu-after.txt"
for s in "${PROFILED[@]}"; do
  ap_command "$s" stop || warn "could not stop async-profiler in $s"
done
PROFILING=()
if [[ -n $PERF_PID ]]; then
  kill -INT "$PERF_PID" && wait "$PERF_PID" || true
  PERF_PID=
fi
topic_offsets >"$WORK/offsets-after.txt"
cpu_delta "$WORK/cpu-before.txt" "$WORK/cpu-after.txt" >"$WORK/cpu.txt"
THROUGHPUT=$(grep '^THROUGHPUT' "$WORK/throughput.out")
ACCEPTED=$(field "$THROUGHPUT" accepted)
((ACCEPTED > 0)) || die "no event was accepted: $THROUGHPUT"
((ACCEPTED == EVENTS)) || warn "$ACCEPTED of $EVENTS events were accepted; figures are per accepted event"
LOST=$(field "$THROUGHPUT" lost)
((${LOST:-0} == 0)) || warn "$LOST executions were lost in the run: $THROUGHPUT"

# ---------------------------------------------------------------------------------------------
# Flame graphs and the table.
# ---------------------------------------------------------------------------------------------
for s in "${PROFILED[@]}"; do
  [[ -s $WORK/$s.jfr ]] || die "async-profiler wrote no $WORK/$s.jfr (see $CW_LOGS/$s.log)"
  java -jar "$JFRCONV" -o html --dot --title "$s, $ACCEPTED events ($STAMP)" "$WORK/$s.jfr" "$WORK/$s.html" >/dev/null
  java -jar "$JFRCONV" -o collapsed --threads --dot "$WORK/$s.jfr" "$WORK/$s.collapsed" >/dev/null
done
lg cpu-profile --dir "$WORK" --events "$ACCEPTED" --interval-ms "$INTERVAL_MS" >"$WORK/table.md"
if ((PG_PERF)); then
  # perf's samples of the server's processes, one line per distinct stack, outermost frame first (as jfrconv's)
  perf script -i "$WORK/perf.data" --comm postgres -F comm,ip,sym 2>/dev/null | awk '
    /^[^ \t]/ { flush(); stack = $1; next }
    NF >= 2 { frames[n++] = $2; next }
    { flush() }
    function flush(  i, s) { if (stack == "") return; s = stack; for (i = n - 1; i >= 0; i--) s = s ";" frames[i]; count[s]++; stack = ""; n = 0 }
    END { flush(); for (s in count) print s, count[s] }' >"$WORK/postgres.collapsed"
  lg pg-profile --dir "$WORK" --events "$ACCEPTED" >"$WORK/postgres.md"
fi

records_per_event() {
  awk -v e="$ACCEPTED" 'NR == FNR { before[$1] = $2; next }
    { d = $2 - ($1 in before ? before[$1] : 0); if (d > 0) printf "| `%s` | %d | %.2f |\n", $1, d, d / e }' \
    "$WORK/offsets-before.txt" "$WORK/offsets-after.txt" | sort -t'|' -k3 -n -r
}

COMMIT=$(git -C "$CW_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$CW_ROOT" diff --quiet HEAD -- 2>/dev/null || COMMIT+=" (with uncommitted changes)"
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
MACHINE="$(nproc) cores ($CPU_MODEL), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
mkdir -p "$BENCH_DIR/results"
{
  echo "# Latest CPU profile (bench/profile.sh)"
  echo
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "- Commit: $COMMIT"
  echo "- Machine: $MACHINE"
  echo "- Run: $ACCEPTED events profiled after a $WARMUP-event warm-up; async-profiler $AP_VERSION, cpu, every $INTERVAL_MS ms"
  echo "- Throughput line: \`$THROUGHPUT\`"
  echo "- Flame graphs and raw output: bench/.work/profile-$STAMP/"
  echo
  cat "$WORK/table.md"
  echo
  if ((PG_PERF)); then
    echo "#### PostgreSQL: where its CPU went (perf, $((1000 / INTERVAL_MS)) samples per second of CPU, every process of the server)"
    echo
    cat "$WORK/postgres.md"
    echo
  fi
  echo "#### Records written per topic during the run (end offsets; transaction markers included)"
  echo
  echo "| Topic | records | per event |"
  echo "|---|---:|---:|"
  records_per_event
} >"$WORK/profile.md"
cp "$WORK/profile.md" "$BENCH_DIR/results/profile-latest.md"

echo
sed -n '/^| Category/,/^$/p' "$WORK/table.md"
((PG_PERF)) && cat "$WORK/postgres.md"
info "flame graphs: ${WORK#"$CW_ROOT"/}/{$(IFS=,; echo "${PROFILED[*]}")}.html"
info "full report: ${WORK#"$CW_ROOT"/}/profile.md (copied to bench/results/profile-latest.md)"
