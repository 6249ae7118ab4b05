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
# broker port), through up.sh, which also waits until every service is ready. Output goes to a log.
restart_stack() {
  local log="$BENCH_WORK/up.log"
  mkdir -p "$BENCH_WORK"
  # exported, not on the command line: the database password must not show in ps
  if ! (unset KAFKA_BOOTSTRAP_SERVERS
    export CW_KAFKA_PORT="$BENCH_KAFKA_PORT" CW_DB_HOST="$BENCH_DB_HOST" CW_DB_PORT="$BENCH_DB_PORT" \
      CW_DB_NAME="$BENCH_DB_NAME" CW_DB_USER CW_DB_PASSWORD
    "$CW_LOCAL_DIR/up.sh" >"$log" 2>&1); then
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

# The PostgreSQL server processes that work for this stack: the postmaster's children except the client
# backends of other databases (the server may be shared with other work).
postgres_pids() {
  local checkpointer postmaster others
  # the checkpointer lives as long as the server; its parent is the postmaster
  checkpointer=$(psql_db -c "select pid from pg_stat_activity where backend_type = 'checkpointer'" 2>/dev/null) || return 0
  [[ $checkpointer =~ ^[0-9]+$ ]] || return 0
  postmaster=$(ps -o ppid= -p "$checkpointer" | tr -d ' ')
  [[ -n $postmaster ]] || return 0
  others=$(psql_db -c "select pid from pg_stat_activity where backend_type = 'client backend' and datname is distinct from current_database()" 2>/dev/null | tr '\n' ' ')
  echo "$postmaster"
  # shellcheck disable=SC2046 # one -e per pid
  pgrep -P "$postmaster" | grep -vxF -e 0 $(for p in $others; do printf -- '-e %s ' "$p"; done) || true
}

# "<group> <pid> <ticks>" for every process the pipeline runs on.
cpu_snapshot() {
  local s pid
  for s in "${CW_SERVICES[@]}" kafka; do
    pid=$(live_pid "$s") && echo "$s $pid $(proc_ticks "$pid")"
  done
  for pid in $(postgres_pids); do echo "postgres $pid $(proc_ticks "$pid")"; done
}

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
