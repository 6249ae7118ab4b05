#!/usr/bin/env bash
# Scale-out on the local stack: two instances each of ingest, evaluation and alerting on one broker and one database
# (deploy/local/up.sh --instances 2: the same consumer groups, each instance on its own port). One run of uniquely
# identified events is posted across both ingest instances (batch k to instance k mod 2, a retry to the other, as
# behind a load balancer). Under that load evaluation-2 and then alerting-2 are killed with -9 and left dead, so the
# survivors must take their partitions over. PASS only if
#   - every instance did a share of the work before the kills (events accepted, executions evaluated, executions
#     recorded: each instance's own counters, read just before the kill), and
#   - every event ingest confirmed (2xx) has exactly its executions and failures stored, once, and nothing is lost
#     or doubled on the topics (the verifier bench/faults.sh uses).
# Prints one SCALEOUT line with the shares and figures, then "RESULT scale_out=PASS|FAIL"; writes
# bench/results/scale-out-latest.md. Leaves the stack as it found it: the second instances are stopped at the end
# (and the whole stack, if this script started it).
#
# Usage: bench/scale-out.sh [--events N] [--rate R]
#   --events  events in the run (default 100000)
#   --rate    events per second posted (default 2000; on 2 cores the six services share the same CPUs, so this
#             shows sharing and take-over, not more throughput: docs/operations.md, "Scaling out")
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

EVENTS=100000 RATE=2000
while (($#)); do
  case $1 in
    --events) EVENTS=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
WORK="$BENCH_WORK/scale-out-$STAMP"
mkdir -p "$WORK"
EXTRA=(ingest-2 evaluation-2 alerting-2)

STARTED_STACK=0 LOAD_PID=""
cleanup() {
  local rc=$? name
  [[ -z $LOAD_PID ]] || ! alive "$LOAD_PID" || kill "$LOAD_PID" 2>/dev/null || true
  if ! stop_started_stack; then
    for name in "${EXTRA[@]}"; do stop_named "$name" >/dev/null; done
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ensure_jar
ensure_stack --no-console
load_stack_env
info "starting the second instances (deploy/local/up.sh --instances 2) ..."
restart_stack --instances 2 || die "the second instances did not start (see $BENCH_WORK/up.log)"
export CW_INGEST_URLS="http://127.0.0.1:$(service_port ingest),http://127.0.0.1:$(service_port ingest-2)"

# Each instance's own counters, "first/second", e.g. "41230/39877".
shares() {
  local metric=$1 service=$2
  echo "$(metric_sum "$service" "$metric")/$(metric_sum "$service-2" "$metric")"
}
both_positive() { [[ $1 =~ ^([0-9]+)/([0-9]+)$ ]] && ((BASH_REMATCH[1] > 0 && BASH_REMATCH[2] > 0)); }

# the counters are per process and may hold earlier work: the shares are what each did during this run
EVALUATED0=$(shares cw_executions_total evaluation)
RECORDED0=$(shares cw_executions_recorded_total alerting)
minus() { # "a/b" - "c/d"
  local IFS=/ x y
  read -r -a x <<<"$1"
  read -r -a y <<<"$2"
  echo "$((x[0] - y[0]))/$((x[1] - y[1]))"
}

info "posting $EVENTS events at $RATE/s across ingest and ingest-2 ..."
start_load scale-out "$EVENTS" "$RATE"
ok=1 KILLS=0
await_accepted "$DIR" $((EVENTS * 3 / 10)) 300 "$LOAD_PID" || { warn "the run ended before 30 % of its events"; ok=0; }
EVALUATED=$(minus "$(shares cw_executions_total evaluation)" "$EVALUATED0")
kill9 evaluation-2 && KILLS=$((KILLS + 1)) && info "  killed evaluation-2 (-9) at $(ledger_accepted "$DIR") accepted events"
await_accepted "$DIR" $((EVENTS * 6 / 10)) 300 "$LOAD_PID" || { warn "the run ended before 60 % of its events"; ok=0; }
RECORDED=$(minus "$(shares cw_executions_recorded_total alerting)" "$RECORDED0")
kill9 alerting-2 && KILLS=$((KILLS + 1)) && info "  killed alerting-2 (-9) at $(ledger_accepted "$DIR") accepted events"
finish_load && verify_run --topics --api || ok=0
INGESTED=$(field "${LOAD:-}" accepted_by_ingest)

for pair in "$INGESTED" "$EVALUATED" "$RECORDED"; do
  both_positive "$pair" || { warn "an instance did no work: ingest $INGESTED, evaluation $EVALUATED, alerting $RECORDED"; ok=0; }
done
((KILLS == 2)) || ok=0
[[ $(field "${VERIFY:-}" verdict) == PASS ]] || ok=0
# the survivors are still up and ready
for s in "${CW_SERVICES[@]}"; do [[ $(ready_status "$s") == 200 ]] || { warn "$s is not ready after the run"; ok=0; }; done
VERDICT=$([[ $ok == 1 ]] && echo PASS || echo FAIL)

LINE="SCALEOUT instances=2 kills=$KILLS accepted_by_ingest=$INGESTED evaluated_before_kill=$EVALUATED"
LINE+=" recorded_before_kill=$RECORDED expected=$(field "${VERIFY:-}" expected) stored=$(field "${VERIFY:-}" stored)"
LINE+=" lost=$(field "${VERIFY:-}" lost) duplicated=$(field "${VERIFY:-}" duplicated)"
LINE+=" failures_expected=$(field "${VERIFY:-}" failures_expected) failures_lost=$(field "${VERIFY:-}" failures_lost)"
LINE+=" accepted_eps=$(field "${LOAD:-}" accepted_eps) $(common_extra)"
{
  echo "# Latest scale-out result"
  echo
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "- Commit: $(git -C "$CW_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- Machine: $(hostname), $(nproc) cores; $EVENTS events at $RATE/s"
  echo "- Raw output: bench/.work/scale-out-$STAMP/"
  echo
  echo '```'
  echo "$LINE"
  echo "RESULT scale_out=$VERDICT"
  echo '```'
} >"$BENCH_DIR/results/scale-out-latest.md"
echo
echo "$LINE"
echo "RESULT scale_out=$VERDICT"
[[ $VERDICT == PASS ]]
