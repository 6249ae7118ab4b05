# shellcheck shell=bash disable=SC2034 # the variables are used by the scripts that source this file
# Shared by bench/run.sh and bench/faults.sh: the stack's environment, the load generator, restarts through
# deploy/local/up.sh, CPU and memory figures from /proc. Sourced, not run.

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source-path=SCRIPTDIR source=../deploy/local/lib.sh
source "$BENCH_DIR/../deploy/local/lib.sh"

BENCH_JAR="$BENCH_DIR/load-generator/target/load-generator.jar"
BENCH_WORK="$BENCH_DIR/.work"
KAFKA_LIB="$CW_ROOT/deploy/kafka-broker/target/lib"
CLK_TCK=$(getconf CLK_TCK)

# The load generator. Parallel GC: it is a throughput tool; 1 GiB holds a 100,000-event run's checks easily.
lg() { java -Xmx1g -XX:+UseParallelGC -jar "$BENCH_JAR" "$@"; }

# Short-lived Kafka command-line tools, as up.sh runs them.
kafka_tool() {
  java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dorg.apache.logging.log4j.level=WARN \
    -cp "$KAFKA_LIB/*" "$@"
}

# Value of KEY in a "COMMAND key=value ..." line.
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p" | head -n 1; }

ensure_jar() {
  if [[ ! -f $BENCH_JAR || ! -d $KAFKA_LIB ]]; then
    info "building the load generator (./mvnw -B -q -pl bench/load-generator,deploy/kafka-broker -am package -DskipTests) ..."
    (cd "$CW_ROOT" && ./mvnw -B -q -pl bench/load-generator,deploy/kafka-broker -am package -DskipTests)
  fi
}

# True if every process of the local stack (up.sh's pid files) is alive.
stack_alive() {
  local s
  for s in kafka "${CW_SERVICES[@]}"; do live_pid "$s" >/dev/null || return 1; done
}

# Starts the local stack with up.sh (its arguments passed on) unless it is running; sets STARTED_STACK=1 when this run
# starts it from nothing, so that the caller's EXIT trap stops it again (stop_started_stack). up.sh's output: $WORK/up.log.
ensure_stack() {
  stack_alive && return 0
  live_pid kafka >/dev/null || live_pid ingest >/dev/null || STARTED_STACK=1
  info "starting the local stack (deploy/local/up.sh${*:+ $*}) ..."
  "$CW_LOCAL_DIR/up.sh" "$@" >"$WORK/up.log" 2>&1 || { tail -n 30 "$WORK/up.log" >&2; die "up.sh failed"; }
}

# Stops the stack if this run started it (ensure_stack); true when it did.
stop_started_stack() {
  ((${STARTED_STACK:-0})) || return 1
  info "stopping the stack this run started"
  "$CW_LOCAL_DIR/down.sh" >/dev/null || true
}

# Exports the stack's addresses and dev tokens for the load generator (and this script's curl and psql).
load_stack_env() {
  [[ -r $CW_RUN/tokens.env && -r $CW_RUN/services.env ]] || die "no $CW_RUN/tokens.env: run deploy/local/up.sh first"
  set -a
  # shellcheck source=/dev/null
  source "$CW_RUN/tokens.env"
  # shellcheck source=/dev/null
  source "$CW_RUN/services.env"
  set +a
  local db=${CW_DB_URL#postgresql://}
  BENCH_DB_HOST=${db%%:*}
  db=${db#*:}
  BENCH_DB_PORT=${db%%/*}
  BENCH_DB_NAME=${db#*/}
  BENCH_KAFKA_PORT=${KAFKA_BOOTSTRAP_SERVERS##*:}
  CW_INGEST_URL="http://127.0.0.1:$(service_port ingest)"
  CW_EVALUATION_URL="http://127.0.0.1:$(service_port evaluation)"
  CW_ALERTING_URL="http://127.0.0.1:$(service_port alerting)"
  export CW_INGEST_URL CW_EVALUATION_URL CW_ALERTING_URL
}

# Starts whatever of the stack is not running, with the environment it was first started with (database,
# broker port), through up.sh (its arguments passed on, e.g. --instances 2), which also waits until every service is
# ready. Output goes to a log.
restart_stack() {
  local log="$BENCH_WORK/up.log"
  mkdir -p "$BENCH_WORK"
  # exported, not on the command line: the database password must not show in ps
  if ! (unset KAFKA_BOOTSTRAP_SERVERS
    export CW_KAFKA_PORT="$BENCH_KAFKA_PORT" CW_DB_HOST="$BENCH_DB_HOST" CW_DB_PORT="$BENCH_DB_PORT" \
      CW_DB_NAME="$BENCH_DB_NAME" CW_DB_USER CW_DB_PASSWORD
    # without the console unless it runs: a benchmark's stack has no Keycloak to bring up on every restart
    console=()
    live_pid console >/dev/null || console=(--no-console)
    "$CW_LOCAL_DIR/up.sh" "${console[@]}" "$@" >"$log" 2>&1); then
    tail -n 30 "$log" >&2
    return 1
  fi
}

# HTTP status of a service's readiness check (000 if it does not answer).
ready_status() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://127.0.0.1:$(service_port "$1")/q/health/ready" || true
}

# Waits up to $2 seconds (default 120) for the service to report ready.
await_ready() {
  local name=$1 deadline=$((SECONDS + ${2:-120}))
  until [[ $(ready_status "$name") == 200 ]]; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

psql_db() { PGPASSWORD=$CW_DB_PASSWORD psql -X -At -h "$BENCH_DB_HOST" -p "$BENCH_DB_PORT" -U "$CW_DB_USER" -d "$BENCH_DB_NAME" "$@"; }

# utime + stime of a process, in clock ticks (0 if it is gone). The command name may hold spaces: skip past ')'.
proc_ticks() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  stat=${stat##*) }
  # shellcheck disable=SC2086 # split into fields on purpose
  set -- $stat
  echo $((${12} + ${13}))
}

# The PostgreSQL server processes that work for this stack: the postmaster's children except the backends of
# other databases (the server may be shared with other work).
postgres_pids() {
  local checkpointer postmaster others
  # the checkpointer lives as long as the server; its parent is the postmaster
  checkpointer=$(psql_db -c "select pid from pg_stat_activity where backend_type = 'checkpointer'" 2>/dev/null) || return 0
  if [[ $checkpointer =~ ^[0-9]+$ ]]; then
    postmaster=$(ps -o ppid= -p "$checkpointer" | tr -d ' ')
  else
    # a role without pg_read_all_stats sees no backend_type of other processes (a shared cluster, as the machine's
    # own): the postmaster is then the process listening on the database's port, if that is on this machine
    postmaster=$(ss -Hltnp "sport = :$BENCH_DB_PORT" 2>/dev/null | sed -n 's/.*"postgres",pid=\([0-9]*\).*/\1/p' | head -n 1)
  fi
  [[ -n $postmaster ]] || return 0
  # (datname is visible to every role; backends of other databases are other work, e.g. other test suites)
  others=$(psql_db -c "select pid from pg_stat_activity where datname is not null and datname <> current_database()" 2>/dev/null | tr '\n' ' ')
  echo "$postmaster"
  # shellcheck disable=SC2046 # one -e per pid
  pgrep -P "$postmaster" | grep -vxF -e 0 $(for p in $others; do printf -- '-e %s ' "$p"; done) || true
}

# CPU ticks of a JVM's JIT compiler threads ("C1 CompilerThre", "C2 CompilerThre"): warm-up work that a
# long-running process does once, reported beside the CPU it is part of.
jit_ticks() {
  awk '{ c = $0; sub(/^[0-9]+ \(/, "", c); name = substr(c, 1, index(c, ")") - 1)
         split(substr(c, index(c, ")") + 2), f, " ")
         if (name ~ /CompilerThre/) t += f[12] + f[13] }
       END { print t + 0 }' /proc/"$1"/task/*/stat 2>/dev/null || echo 0
}

# "<group> <pid> <ticks>" for every process the pipeline runs on; the JVMs' JIT compiler threads also as
# "jit <pid> <ticks>" (counted in their group already).
cpu_snapshot() {
  local s pid
  for s in "${CW_SERVICES[@]}" kafka; do
    pid=$(live_pid "$s") && echo "$s $pid $(proc_ticks "$pid")" && echo "jit $pid $(jit_ticks "$pid")"
  done
  for pid in $(postgres_pids); do echo "postgres $pid $(proc_ticks "$pid")"; done
}

# cpu_snapshot and the bench's notification receivers (mail catcher, webhook receiver): on this machine they take
# the pipeline's cores while a latency run notifies (a real mail relay or webhook receiver would be elsewhere).
cpu_snapshot_with_receivers() {
  local s pid
  cpu_snapshot
  for s in mail-catcher bench-webhook; do
    pid=$(live_pid "$s") && echo "$s $pid $(proc_ticks "$pid")"
  done
  return 0
}

# cpu_group FILE GROUP [ABSENT]: a group's CPU seconds in cpu_delta's output FILE, or ABSENT (default "-").
cpu_group() { awk -v g="$2" -v absent="${3--}" '$1 == g { v = $2 } END { print v == "" ? absent : v }' "$1"; }

# CPU seconds per group between two snapshots (a process new in the second counts from zero): "<group> <s>".
cpu_delta() {
  awk -v tck="$CLK_TCK" 'NR == FNR { before[$1 " " $2] = $3; next }
    { used[$1] += $3 - (($1 " " $2) in before ? before[$1 " " $2] : 0) }
    END { for (g in used) printf "%s %.1f\n", g, used[g] / tck }' "$1" "$2"
}

# Peak resident set size of a process in MiB (VmHWM), or "-".
peak_rss_mb() {
  local pid kb
  pid=$(live_pid "$1") || { echo -; return; }
  kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
  [[ -n $kb ]] && echo $((kb / 1024)) || echo -
}

create_bench_topic() {
  kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" --create --if-not-exists \
    --topic "$1" --partitions "${2:-6}" --replication-factor 1 >/dev/null 2>&1
}

delete_bench_topic() {
  kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" --delete \
    --if-exists --topic "$1" >/dev/null 2>&1 || true
}

# Events accepted (2xx) so far according to a run's ledger.
ledger_accepted() {
  awk '$1 == "A" && $7 >= 200 && $7 < 300 { n += $3 } END { print n + 0 }' "$1/ledger.txt" 2>/dev/null || echo 0
}

# Waits until a run has $2 accepted events, up to $3 seconds; false if the load ended or the time ran out.
await_accepted() {
  local dir=$1 target=$2 deadline=$((SECONDS + ${3:-120})) load_pid=${4:-}
  while (($(ledger_accepted "$dir") < target)); do
    ((SECONDS < deadline)) || return 1
    [[ -z $load_pid ]] || alive "$load_pid" || return 1
    sleep 0.2
  done
}

now_ms() { date +%s%3N; }

# ---------------------------------------------------------------------------------------------
# Notifications (bench/faults.sh receiver-outage, alerting-kill-notify; bench/run.sh notify_p99_ms): the bench's own
# webhook receiver and the local mail catcher, a config that sends every finding to both at once, and the truth
# about what was due (the outbox rows) against what the receivers got.
# ---------------------------------------------------------------------------------------------
BENCH_HOOK_PORT=${CW_BENCH_WEBHOOK_PORT:-18085}
BENCH_MAILBOX=bench@example.com

db_now() { psql_db -c "select to_char(now() at time zone 'utc', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"; }

# PUT a notification config document (file) as admin.
notify_config_put() {
  local status
  status=$(curl -sS -o "$BENCH_WORK/notify-put.out" -w '%{http_code}' --max-time 30 -X PUT \
    "$CW_ALERTING_URL/api/v1/notifications/config" -H @"$CW_RUN/auth/admin.header" \
    -H 'Content-Type: application/yaml' --data-binary @"$1")
  [[ $status == 200 ]] || { cat "$BENCH_WORK/notify-put.out" >&2; die "PUT /api/v1/notifications/config answered $status"; }
}

# bench_notify_config SETUP [SECRET]: the notification config of a bench setup, on stdout. none sends nothing; hook,
# mail and both route every finding to the bench webhook receiver, the mail catcher or both, each finding its own
# notification (groupBy '...'), sent at once. SECRET is the webhook receiver's (hook and both).
bench_notify_config() {
  local hook="  - name: bench-hook
    webhook: {url: \"http://127.0.0.1:$BENCH_HOOK_PORT/bench\", secrets: [${2:-}]}"
  local mail="  - name: bench-mail
    email: {to: [$BENCH_MAILBOX]}"
  local route="route:
  groupBy: ['...']
  groupWait: 0s
  repeatInterval: 24h"
  case $1 in
    none) printf 'formatVersion: 1\nreceivers: []\n' ;;
    hook) printf 'formatVersion: 1\nreceivers:\n%s\n%s\n  receiver: bench-hook\n' "$hook" "$route" ;;
    mail) printf 'formatVersion: 1\nreceivers:\n%s\n%s\n  receiver: bench-mail\n' "$mail" "$route" ;;
    both) printf 'formatVersion: 1\nreceivers:\n%s\n%s\n%s\n  receiver: bench-mail\n  routes:\n    - receiver: bench-hook\n      continue: true\n    - receiver: bench-mail\n' \
      "$hook" "$mail" "$route" ;;
    *) die "no notification setup $1 (none, hook, mail, both)" ;;
  esac
}

# bench_notify_setup HOOK_LOG [RECEIVER_DELAY_MS]: receivers up, every finding routed to both at once.
bench_notify_setup() {
  local log=$1 delay=${2:-0} secret config="$BENCH_WORK/bench-notifications.yaml"
  secret=$(webhook_secret)
  start_mail_catcher >&2
  start_webhook_receiver bench-webhook "$BENCH_HOOK_PORT" "$secret" "$log" "$delay" >&2
  bench_notify_config both "$secret" >"$config"
  notify_config_put "$config"
}

# A config that sends nothing: the throughput runs must not leave a backlog of notifications that the latency
# run's would queue behind.
bench_notify_quiet() {
  local none="$BENCH_WORK/no-notifications.yaml"
  bench_notify_config none >"$none"
  notify_config_put "$none"
}

# Puts the demo's config back if up.sh --demo wrote one, else a config that sends nothing; stops the bench receiver.
bench_notify_restore() {
  stop_named bench-webhook >/dev/null 2>&1 || true
  if [[ -s $CW_NOTIFY_DEMO_CONFIG ]]; then
    notify_config_put "$CW_NOTIFY_DEMO_CONFIG"
  else
    bench_notify_quiet
  fi
}

# The Message-IDs of the mails the mail catcher holds for the bench mailbox (appended to FILE).
mail_ids() {
  local out="$BENCH_WORK/mailbox.json" i
  # the whole mailbox (tens of MB after a long run): a read cut short would count delivered mails as lost
  for ((i = 0; i < 3; i++)); do
    if curl -fsS --max-time 300 -o "$out" "http://127.0.0.1:$(mail_api_port)/api/user/$BENCH_MAILBOX/messages/INBOX"; then
      grep -o 'Message-ID: <[^>]*>' "$out" | sed 's/Message-ID: <\(.*\)@controlwatch>/\1/' >>"$1" || true
      return 0
    fi
  done
  warn "could not read the mail catcher's mailbox"
}

# Waits up to $2 seconds until no bench notification written since $1 is pending; false on timeout.
notify_wait_settled() {
  local from=$1 deadline=$((SECONDS + $2)) pending
  while :; do
    pending=$(psql_db -c "select count(*) from notification where receiver in ('bench-hook', 'bench-mail')
      and created_at >= '$from' and status in ('PENDING', 'SENDING')")
    ((pending == 0)) && return 0
    ((SECONDS < deadline)) || return 1
    sleep 2
  done
}

# notify_verify FROM HOOK_LOG MAIL_IDS [BLIND_FROM BLIND_TO]: prints "NOTIFY key=value ..." comparing the outbox
# with the receivers. The mail catcher keeps mails in memory only: the mails it took between the last read of its
# mailbox and its stop (between the timestamps BLIND_FROM and BLIND_TO) cannot be checked and are counted as mail_unverifiable.
notify_verify() {
  local from=$1 hook_log=$2 mail_file=$3 blind_from=${4:-} blind_to=${5:-} dir
  dir=$(mktemp -d "$BENCH_WORK/notify-verify.XXXXXX")
  if [[ -n $blind_from ]]; then
    psql_db -c "select distinct cast(a.notification_id as text) from notification_attempt a join notification n
      using (notification_id) where n.receiver = 'bench-mail' and a.outcome = 'DELIVERED'
      and a.at between '$blind_from' and '$blind_to'" | sort >"$dir/mail-blind"
  else
    : >"$dir/mail-blind"
  fi
  psql_db -F ' ' -c "select notification_id, receiver, status, event_type from notification
    where receiver in ('bench-hook', 'bench-mail') and created_at >= '$from'" >"$dir/rows"
  psql_db -c "select count(*) from finding f where f.opened_at >= '$from' and not f.quiet and f.status <> 'EXEMPTED'
    and not exists (select 1 from notification_finding nf join notification n using (notification_id)
                    where nf.finding_id = f.finding_id and n.receiver = 'bench-hook'
                      and n.event_type = 'controlwatch.finding.opened')" >"$dir/unnotified"
  awk '$3 == "true" { print $2 }' "$hook_log" 2>/dev/null | sort >"$dir/hook-received-all"
  sort -u "$dir/hook-received-all" >"$dir/hook-received"
  sort -u "$mail_file" 2>/dev/null >"$dir/mail-received" || : >"$dir/mail-received"
  awk '$2 == "bench-hook" { print $1 }' "$dir/rows" | sort >"$dir/hook-expected"
  awk '$2 == "bench-mail" { print $1 }' "$dir/rows" | sort >"$dir/mail-expected"
  # one (finding, type) must never reach the webhook under two different keys
  local other_keys
  other_keys=$(awk '$3 == "true" && $5 != "-" { split($5, f, ","); for (i in f) print f[i], $4, $2 }' "$hook_log" 2>/dev/null |
    sort -u | awk '{ k = $1 " " $2; n[k]++ } END { d = 0; for (k in n) if (n[k] > 1) d++; print d }')
  printf 'NOTIFY due_webhook=%s due_mail=%s delivered=%s dead=%s pending=%s webhook_lost=%s mail_lost=%s webhook_repeats=%s other_key_duplicates=%s invalid_signatures=%s findings_unnotified=%s mail_unverifiable=%s\n' \
    "$(wc -l <"$dir/hook-expected")" "$(wc -l <"$dir/mail-expected")" \
    "$(awk '$3 == "DELIVERED"' "$dir/rows" | wc -l)" "$(awk '$3 == "DEAD"' "$dir/rows" | wc -l)" \
    "$(awk '$3 == "PENDING" || $3 == "SENDING"' "$dir/rows" | wc -l)" \
    "$(comm -23 "$dir/hook-expected" "$dir/hook-received" | wc -l)" \
    "$(comm -23 "$dir/mail-expected" "$dir/mail-received" | comm -23 - "$dir/mail-blind" | wc -l)" \
    "$(($(wc -l <"$dir/hook-received-all") - $(wc -l <"$dir/hook-received")))" "$other_keys" \
    "$(awk '$3 != "true"' "$hook_log" 2>/dev/null | wc -l)" "$(tr -d ' ' <"$dir/unnotified")" \
    "$(comm -23 "$dir/mail-expected" "$dir/mail-received" | comm -12 - "$dir/mail-blind" | wc -l)"
}

# ---------------------------------------------------------------------------------------------
# Runs under faults (bench/faults.sh, bench/scale-out.sh): they use WORK (the script's work directory) and STAMP.
# ---------------------------------------------------------------------------------------------
# start_load NAME EVENTS RATE [load-generator options...]: posts in the background; sets DIR and LOAD_PID.
start_load() {
  local name=$1 events=$2 rate=$3
  shift 3
  DIR="$WORK/$name"
  lg load --run-dir "$DIR" --run-id "f${STAMP#*T}-$name" --events "$events" --rate "$rate" --batch 100 \
    --concurrency "${CONCURRENCY:-4}" --retry-for 180 --max-seconds 600 "$@" >"$DIR.load.out" 2>"$DIR.load.err" &
  LOAD_PID=$!
}

# Waits for the load to end (it bounds itself with --max-seconds); sets LOAD to its summary line.
finish_load() {
  wait "$LOAD_PID" || { cat "$DIR.load.err" >&2; LOAD_PID=""; return 1; }
  LOAD_PID=""
  LOAD=$(grep '^LOAD' "$DIR.load.out")
}

verify_run() {
  lg verify --run-dir "$DIR" --max-wait 420 --stall 120 "$@" >"$DIR.verify.out" 2>"$DIR.verify.err" ||
    { cat "$DIR.verify.err" >&2; return 1; }
  VERIFY=$(grep '^VERIFY' "$DIR.verify.out")
}

kill9() {
  local name=$1 pid i
  pid=$(live_pid "$name") || { warn "$name is not running"; return 1; }
  kill -KILL "$pid"
  for ((i = 0; i < 100; i++)); do
    alive "$pid" || return 0
    sleep 0.1
  done
  warn "$name (pid $pid) still alive 10 s after SIGKILL"
  return 1
}

# Seconds from $1 (epoch ms) until the verifier saw the last required execution stored ("-" if never).
caught_up_after() {
  local complete
  complete=$(field "${VERIFY:-}" complete_at_ms)
  [[ -n $complete && $complete -gt 0 ]] || { echo -; return; }
  awk -v a="$1" -v b="$complete" 'BEGIN { printf "%.1f", (b - a) / 1000 }'
}

common_extra() {
  echo "drain_after_load_s=$(caught_up_after "$(field "${LOAD:-}" last_end_ms)")" \
    "events_2xx=$(field "$VERIFY" events_2xx) unconfirmed=$(field "$VERIFY" events_unconfirmed)" \
    "unexpected=$(field "$VERIFY" unexpected) wrong_result=$(field "$VERIFY" wrong_result)" \
    "counter_drift=$(field "$VERIFY" counter_drift) api_failures=$(field "$VERIFY" api_failures)" \
    "lost_on_topic=$(field "$VERIFY" lost_on_topic) eos_duplicates=$(field "$VERIFY" eos_duplicates)"
}


# Sum of a Prometheus counter's series (all labels) on the service instance NAME (0 when it does not answer).
metric_sum() {
  curl -s --max-time 5 "http://127.0.0.1:$(service_port "$1")/q/metrics" 2>/dev/null |
    awk -v m="$2" '$1 == m || index($1, m "{") == 1 { sum += $NF } END { printf "%d", sum }'
}
