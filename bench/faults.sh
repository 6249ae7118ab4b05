#!/usr/bin/env bash
# Fault injection under load on the local stack. Each scenario posts a run of uniquely identified events,
# breaks something while they flow, repairs it, then asks PostgreSQL, the alerting API and the Kafka topics
# what exists: PASS only if every event ingest confirmed (2xx) has exactly its executions and failures stored,
# once. Prints one PASS/FAIL line per scenario with its counts, then "RESULT faults_passed=<k>/<n>".
#
#   evaluation-kill   kill -9 the evaluation service 3 times during a 100,000-event run, restarting it each time
#   alerting-kill     kill -9 the alerting service twice during a run
#   ingest-kill       kill -9 the ingest service while clients post (they retry, as real clients do)
#   kafka-outage      stop the broker for 30 s: ingest must answer 503, never 2xx, meanwhile; throughput recovers
#   postgres-outage   stop PostgreSQL for 60 s: alerting reports not-ready meanwhile and catches up afterwards
#   poison            1 % of the records on the events topic are not CloudEvents: each is dead-lettered once
#   hostile-ingest    1 % of the bodies posted are hostile (the tests' corpus, HostileBodies): each refused with
#                     its 4xx, never a 2xx or 5xx, and every valid event's evidence stored
#   receiver-outage   the webhook receiver and the SMTP server are down for 10 minutes under load (scaled), then
#                     back: every due notification delivered, none under two keys
#   alerting-kill-notify  kill -9 of the alerting service while notifications are in flight: none lost
#
# Usage: bench/faults.sh [--only NAME[,NAME...]] [--scale F]
#   --only   run only these scenarios (default: all, in the order above)
#   --scale  multiply every run's event count (e.g. 0.2 for a quick check of the script itself)
#
# The notification scenarios replace the notification config with one that sends every finding to the bench's
# receivers (a webhook receiver on CW_BENCH_WEBHOOK_PORT, 18085, and the local mail catcher), and put back the demo's
# config (or one that sends nothing) at the end.
# postgres-outage stops the PostgreSQL server the stack uses (the private one up.sh started, else the system
# cluster via pg_ctlcluster) and always starts it again, also when the script fails or is interrupted.
# Starts the local stack with deploy/local/up.sh if it is not running (and stops it again at the end).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ALL=(evaluation-kill alerting-kill ingest-kill kafka-outage postgres-outage poison hostile-ingest receiver-outage
  alerting-kill-notify)
ONLY="" SCALE=1
while (($#)); do
  case $1 in
    --only) ONLY=$2; shift 2 ;;
    --scale) SCALE=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
SELECTED=()
for s in "${ALL[@]}"; do
  [[ -z $ONLY || ",$ONLY," == *",$s,"* ]] && SELECTED+=("$s")
done
((${#SELECTED[@]})) || die "no scenario matches --only $ONLY (choose from ${ALL[*]})"

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
WORK="$BENCH_WORK/faults-$STAMP"
mkdir -p "$WORK"

STARTED_STACK=0 PG_STOPPED=0 LOAD_PID="" NOTIFY_CONFIGURED=0
cleanup() {
  local rc=$?
  [[ -z $LOAD_PID ]] || ! alive "$LOAD_PID" || kill "$LOAD_PID" 2>/dev/null || true
  if ((NOTIFY_CONFIGURED)); then
    start_mail_catcher >/dev/null 2>&1 || true
    bench_notify_restore >/dev/null 2>&1 || warn "could not put the notification config back"
  fi
  if ((PG_STOPPED)); then
    warn "starting PostgreSQL again"
    pg_start || warn "could not start PostgreSQL: start it by hand"
  fi
  if stop_started_stack; then
    :
  elif ! stack_alive; then
    info "restarting what is down of the stack"
    restart_stack || warn "could not restart the stack (see $BENCH_WORK/up.log)"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

scaled() { awk -v n="$1" -v f="$SCALE" 'BEGIN { printf "%d", n * f }'; }

# ---------------------------------------------------------------------------------------------
# PostgreSQL control: the private server up.sh started, else the system cluster on that port.
# ---------------------------------------------------------------------------------------------
pg_private() { [[ -f $CW_PG_MARKER && "$(cut -d' ' -f3 "$CW_PG_MARKER")" == "$BENCH_DB_PORT" ]]; }
pg_system_cluster() { pg_lsclusters -h 2>/dev/null | awk -v p="$BENCH_DB_PORT" '$3 == p { print $1, $2; exit }'; }

pg_stop() {
  local ver cluster pg_bin pg_data
  if pg_private; then
    read -r pg_bin pg_data _ <"$CW_PG_MARKER"
    as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w -t 30 stop >/dev/null
  else
    read -r ver cluster <<<"$(pg_system_cluster)"
    pg_ctlcluster --skip-systemctl-redirect "$ver" "$cluster" stop -m fast
  fi
}

pg_start() {
  local ver cluster pg_bin pg_data
  if pg_private; then
    read -r pg_bin pg_data _ <"$CW_PG_MARKER"
    as_pg "$pg_bin/pg_ctl" -D "$pg_data" -l "$CW_RUN/pg/postgres.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -p $BENCH_DB_PORT -k $CW_RUN/pg/sock" start >/dev/null
  else
    read -r ver cluster <<<"$(pg_system_cluster)"
    pg_ctlcluster --skip-systemctl-redirect "$ver" "$cluster" start
  fi
  local deadline=$((SECONDS + 30))
  until pg_isready -q -h "$BENCH_DB_HOST" -p "$BENCH_DB_PORT"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
  PG_STOPPED=0
}

# ---------------------------------------------------------------------------------------------
# Runs, faults and verdicts.
# ---------------------------------------------------------------------------------------------
PASSED=0 RAN=0
RESULTS=()
# verdict NAME OK(0/1) EXTRA: one line with the standard counts of $VERIFY plus scenario figures.
verdict() {
  local name=$1 ok=$2 extra=$3 v line
  v=$(field "${VERIFY:-}" verdict)
  [[ $v == PASS && $ok == 1 ]] && v=PASS || v=FAIL
  RAN=$((RAN + 1))
  [[ $v == PASS ]] && PASSED=$((PASSED + 1))
  line=$(printf '%s %-16s expected=%s stored=%s lost=%s duplicated=%s failures_expected=%s failures_lost=%s %s' \
    "$v" "$name" "$(field "${VERIFY:-}" expected)" "$(field "${VERIFY:-}" stored)" "$(field "${VERIFY:-}" lost)" \
    "$(field "${VERIFY:-}" duplicated)" "$(field "${VERIFY:-}" failures_expected)" "$(field "${VERIFY:-}" failures_lost)" "$extra")
  RESULTS+=("$line")
  echo "$line"
  [[ $v == PASS ]] || { echo "  load:   ${LOAD:-}"; echo "  verify: ${VERIFY:-}"; }
}

all_ready() {
  local s
  for s in "${CW_SERVICES[@]}"; do [[ $(ready_status "$s") == 200 ]] || return 1; done
}

# Before each scenario: the whole stack up and ready.
prepare() {
  VERIFY="" LOAD=""
  stack_alive && all_ready && return 0
  info "restarting what is down of the stack before $1"
  restart_stack
}

# Kills SERVICE at each of the accepted-event marks (the run's progress), restarting it each time.
kill_during_run() {
  local service=$1
  shift
  KILLS=0
  local mark
  for mark in "$@"; do
    await_accepted "$DIR" "$mark" 300 "$LOAD_PID" || { warn "the run ended before $mark events"; break; }
    kill9 "$service" || break
    info "  killed $service (-9) at $(ledger_accepted "$DIR") accepted events; restarting it"
    restart_stack || { warn "restart of $service failed"; break; }
    KILLS=$((KILLS + 1))
  done
}

scenario_evaluation_kill() {
  local n
  n=$(scaled 100000)
  start_load evaluation-kill "$n" 2000
  kill_during_run evaluation "$((n / 5))" "$((n * 45 / 100))" "$((n * 7 / 10))"
  finish_load && verify_run --topics --api
  verdict evaluation-kill "$([[ $KILLS == 3 ]] && echo 1 || echo 0)" "kills=$KILLS $(common_extra)"
}

scenario_alerting_kill() {
  local n
  n=$(scaled 60000)
  start_load alerting-kill "$n" 2000
  kill_during_run alerting "$((n / 4))" "$((n * 2 / 3))"
  finish_load && verify_run --topics --api
  verdict alerting-kill "$([[ $KILLS == 2 ]] && echo 1 || echo 0)" "kills=$KILLS $(common_extra)"
}

scenario_ingest_kill() {
  local n no_answer
  n=$(scaled 40000)
  CONCURRENCY=8 start_load ingest-kill "$n" 2000
  kill_during_run ingest "$((n * 3 / 8))"
  finish_load && verify_run --topics --api
  no_answer=$(field "$LOAD" http_noanswer)
  # the kill must have hit the clients (requests without an answer), or the scenario proved nothing
  verdict ingest-kill "$([[ $KILLS == 1 && ${no_answer:-0} -gt 0 ]] && echo 1 || echo 0)" \
    "kills=$KILLS requests_without_answer=${no_answer:-0} $(common_extra)"
}

scenario_kafka_outage() {
  local n pid from to back i ok=1 s before=() after
  n=$(scaled 60000)
  for s in "${CW_SERVICES[@]}"; do before+=("$(live_pid "$s")"); done
  start_load kafka-outage "$n" 1000
  await_accepted "$DIR" "$((n / 4))" 300 "$LOAD_PID" || ok=0
  pid=$(live_pid kafka)
  info "  stopping the Kafka broker (pid $pid) for 30 s"
  signal_proc TERM "$pid"
  for ((i = 0; i < 300 && $(alive "$pid" && echo 1 || echo 0); i++)); do sleep 0.1; done
  alive "$pid" && { warn "broker still alive 30 s after SIGTERM; killing it"; signal_proc KILL "$pid"; sleep 1; }
  from=$(now_ms)
  sleep 30
  to=$(now_ms)
  info "  starting the broker again"
  restart_stack || ok=0
  back=$(( ($(now_ms) - to) / 100 ))
  finish_load && verify_run --topics --api --outage-from-ms "$from" --outage-to-ms "$to"
  # no service may have died of it
  after=()
  for s in "${CW_SERVICES[@]}"; do after+=("$(live_pid "$s" || echo dead)"); done
  [[ "${before[*]}" == "${after[*]}" ]] || { warn "a service died during the outage: ${before[*]} -> ${after[*]}"; ok=0; }
  all_ready || ok=0
  verdict kafka-outage "$ok" "2xx_during_outage=$(field "$VERIFY" 2xx_during_outage) 503_during_outage=$(field "$VERIFY" 503_during_outage) broker_restart_s=$((back / 10)).$((back % 10)) first_2xx_after_s=$(field "$VERIFY" first_2xx_after_s) backlog_cleared_after_s=$(field "$VERIFY" back_on_schedule_s) caught_up_after_s=$(caught_up_after "$to") accepted_eps=$(field "$LOAD" accepted_eps) $(common_extra)"
}

scenario_postgres_outage() {
  local n alerting_pid not_ready=0 probes=0 status caught_up=-1 t0 ok=1 pg_back_ms down_until pg_down_ms
  if ! pg_private && [[ -z $(pg_system_cluster) ]]; then
    warn "no PostgreSQL cluster on port $BENCH_DB_PORT that this script can stop; skipping postgres-outage"
    VERIFY=""
    verdict postgres-outage 0 "skipped=cannot-control-postgresql"
    return
  fi
  n=$(scaled 80000)
  alerting_pid=$(live_pid alerting)
  start_load postgres-outage "$n" 1000
  await_accepted "$DIR" "$((n / 5))" 300 "$LOAD_PID" || ok=0
  info "  stopping PostgreSQL for 60 s"
  PG_STOPPED=1
  pg_stop
  pg_down_ms=$(now_ms)
  # 60 s of wall time, whatever a readiness probe takes meanwhile
  down_until=$((SECONDS + 60))
  while ((SECONDS < down_until)); do
    status=$(ready_status alerting)
    probes=$((probes + 1))
    [[ $status == 200 ]] || not_ready=$((not_ready + 1))
    sleep 1
  done
  info "  starting PostgreSQL again"
  pg_start || ok=0
  pg_back_ms=$(now_ms)
  info "  PostgreSQL was down for $(( (pg_back_ms - pg_down_ms) / 1000 )) s"
  t0=$SECONDS
  if await_ready alerting 300; then caught_up=$((SECONDS - t0)); else ok=0; fi
  finish_load && verify_run --topics --api
  [[ $(live_pid alerting) == "$alerting_pid" ]] || { warn "the alerting service died during the outage"; ok=0; }
  ((not_ready > 0)) || { warn "alerting never reported not-ready while PostgreSQL was down"; ok=0; }
  verdict postgres-outage "$ok" "not_ready_probes=$not_ready/$probes ready_again_after_s=$caught_up caught_up_after_s=$(caught_up_after "$pg_back_ms") $(common_extra)"
}

scenario_poison() {
  local n evaluation_pid ok=1
  n=$(scaled 50000)
  evaluation_pid=$(live_pid evaluation)
  start_load poison "$n" 2000 --poison-share 0.01
  finish_load && verify_run --topics --api
  [[ $(live_pid evaluation) == "$evaluation_pid" ]] || { warn "the evaluation service died"; ok=0; }
  all_ready || { warn "a service is not ready after the poison run"; ok=0; }
  verdict poison "$ok" "poison=$(field "$VERIFY" poison) dead_lettered=$(field "$VERIFY" dead_lettered) dead_letters_without_reason=$(field "$VERIFY" dead_letters_without_reason) healthy=$ok $(common_extra)"
}

scenario_hostile_ingest() {
  local n ingest_pid ok=1 sent fivexx twoxx
  n=$(scaled 50000)
  ingest_pid=$(live_pid ingest)
  start_load hostile-ingest "$n" 2000 --hostile-share 0.01
  finish_load && verify_run --topics --api
  sent=$(field "$LOAD" hostile)
  fivexx=$(field "$LOAD" hostile_5xx)
  twoxx=$(field "$LOAD" hostile_2xx)
  ((${sent:-0} > 0)) || { warn "no hostile body was posted"; ok=0; }
  [[ ${fivexx:-1} == 0 && ${twoxx:-1} == 0 ]] || { warn "hostile bodies got 5xx ($fivexx) or 2xx ($twoxx)"; ok=0; }
  [[ $(live_pid ingest) == "$ingest_pid" ]] || { warn "the ingest service died"; ok=0; }
  all_ready || { warn "a service is not ready after the hostile run"; ok=0; }
  verdict hostile-ingest "$ok" "hostile=$sent refused_as_expected=$(field "$LOAD" hostile_refused) other_4xx=$(field "$LOAD" hostile_other_4xx) hostile_5xx=$fivexx hostile_2xx=$twoxx no_answer=$(field "$LOAD" hostile_noanswer) $(common_extra)"
}

# Notifications: common verdict figures from notify_verify's NOTIFY line.
notify_ok() {
  [[ $(field "$NOTIFY" webhook_lost) == 0 && $(field "$NOTIFY" mail_lost) == 0 && $(field "$NOTIFY" dead) == 0 &&
    $(field "$NOTIFY" pending) == 0 && $(field "$NOTIFY" other_key_duplicates) == 0 &&
    $(field "$NOTIFY" invalid_signatures) == 0 && $(field "$NOTIFY" findings_unnotified) == 0 &&
    $(field "$NOTIFY" due_webhook) -gt 0 ]]
}

notify_extra() {
  echo "due_webhook=$(field "$NOTIFY" due_webhook) due_mail=$(field "$NOTIFY" due_mail)" \
    "delivered=$(field "$NOTIFY" delivered) dead=$(field "$NOTIFY" dead) pending=$(field "$NOTIFY" pending)" \
    "webhook_lost=$(field "$NOTIFY" webhook_lost) mail_lost=$(field "$NOTIFY" mail_lost)" \
    "same_key_repeats=$(field "$NOTIFY" webhook_repeats) other_key_duplicates=$(field "$NOTIFY" other_key_duplicates)" \
    "invalid_signatures=$(field "$NOTIFY" invalid_signatures) findings_unnotified=$(field "$NOTIFY" findings_unnotified)" \
    "mail_unverifiable=$(field "$NOTIFY" mail_unverifiable)"
}

scenario_receiver_outage() {
  local outage n rate=200 from ok=1 hook_log mails settled_s t0 blind_from blind_to
  outage=$(scaled 600)
  ((outage >= 20)) || outage=20
  n=$((rate * (outage + 60)))
  hook_log="$WORK/receiver-outage.hook.log" mails="$WORK/receiver-outage.mail-ids"
  : >"$mails"
  NOTIFY_CONFIGURED=1
  bench_notify_setup "$hook_log"
  from=$(db_now)
  start_load receiver-outage "$n" "$rate"
  await_accepted "$DIR" $((rate * 20)) 300 "$LOAD_PID" || ok=0
  info "  stopping the webhook receiver and the mail catcher for $outage s"
  stop_named bench-webhook
  blind_from=$(db_now)
  mail_ids "$mails"
  stop_named mail-catcher
  blind_to=$(db_now)
  sleep "$outage"
  info "  starting them again"
  start_mail_catcher >/dev/null
  start_webhook_receiver bench-webhook "$BENCH_HOOK_PORT" "$(webhook_secret)" "$hook_log" >/dev/null
  finish_load && verify_run --topics --api
  t0=$SECONDS
  notify_wait_settled "$from" 900 || { warn "notifications still pending 15 minutes after the load"; ok=0; }
  settled_s=$((SECONDS - t0))
  mail_ids "$mails"
  NOTIFY=$(notify_verify "$from" "$hook_log" "$mails" "$blind_from" "$blind_to")
  notify_ok || ok=0
  verdict receiver-outage "$ok" "outage_s=$outage settled_after_load_s=$settled_s $(notify_extra) $(common_extra)"
}

scenario_alerting_kill_notify() {
  local n from ok=1 hook_log mails in_flight=0 deadline
  n=$(scaled 40000)
  hook_log="$WORK/alerting-kill-notify.hook.log" mails="$WORK/alerting-kill-notify.mail-ids"
  : >"$mails"
  NOTIFY_CONFIGURED=1
  # a slow receiver (200 ms per delivery), so that deliveries are in flight when alerting dies
  stop_named bench-webhook
  bench_notify_setup "$hook_log" 200
  from=$(db_now)
  start_load alerting-kill-notify "$n" 1000
  await_accepted "$DIR" $((n / 3)) 300 "$LOAD_PID" || ok=0
  # Notifications follow the evidence: on a loaded machine the first ones are sent well after a third of the events
  # were accepted, so wait for one in flight for up to two minutes (the load goes on meanwhile, or has drained into
  # the outbox) rather than ten seconds.
  deadline=$((SECONDS + 120))
  while ((SECONDS < deadline)); do
    in_flight=$(psql_db -c "select count(*) from notification where receiver in ('bench-hook', 'bench-mail')
      and created_at >= '$from' and status = 'SENDING'")
    ((in_flight > 0)) && break
    sleep 0.1
  done
  KILLS=0
  if kill9 alerting; then
    KILLS=1
    info "  killed alerting (-9) with $in_flight notifications being sent; restarting it"
    restart_stack || ok=0
  fi
  finish_load && verify_run --topics --api
  notify_wait_settled "$from" 900 || { warn "notifications still pending 15 minutes after the load"; ok=0; }
  mail_ids "$mails"
  NOTIFY=$(notify_verify "$from" "$hook_log" "$mails")
  notify_ok || ok=0
  ((KILLS == 1 && in_flight > 0)) || { warn "the kill did not hit notifications in flight ($in_flight)"; ok=0; }
  stop_named bench-webhook
  verdict alerting-kill-notify "$ok" "kills=$KILLS in_flight_at_kill=$in_flight $(notify_extra) $(common_extra)"
}

# ---------------------------------------------------------------------------------------------
ensure_jar
ensure_stack --no-console
load_stack_env
live_pid demo-feed >/dev/null && warn "the demo feed is running; it does not disturb the checks (runs are told apart by source)"

for s in "${SELECTED[@]}"; do
  info "scenario $s ..."
  t0=$SECONDS
  if ! prepare "$s"; then
    VERIFY=""
    verdict "$s" 0 "stack-not-ready"
    continue
  fi
  "scenario_${s//-/_}" || { warn "scenario $s aborted"; [[ ${RESULTS[-1]:-} == *" $s "* ]] || verdict "$s" 0 "aborted"; }
  info "scenario $s took $((SECONDS - t0)) s"
done

{
  echo "# Latest fault-injection results"
  echo
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "- Commit: $(git -C "$CW_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- Machine: $(hostname), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
  echo "- Raw output: bench/.work/faults-$STAMP/"
  echo
  echo '```'
  printf '%s\n' "${RESULTS[@]}"
  echo "RESULT faults_passed=$PASSED/$RAN"
  echo '```'
} >"$BENCH_DIR/results/faults-latest.md"

echo
printf '%s\n' "${RESULTS[@]}"
echo "RESULT faults_passed=$PASSED/$RAN"
