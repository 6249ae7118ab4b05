# shellcheck shell=bash disable=SC2034 # the variables are used by the scripts that source this file
# Shared by up.sh, down.sh and demo-feed.sh: paths, messages, pid-file handling. Sourced, not run.

CW_LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
CW_ROOT="$(cd "$CW_LOCAL_DIR/../.." && pwd -P)"
CW_RUN="$CW_LOCAL_DIR/.run"
CW_PIDS="$CW_RUN/pids"
CW_LOGS="$CW_RUN/logs"
CW_KAFKA_PROPS="$CW_RUN/kafka/server.properties"
# Marks a PostgreSQL cluster that up.sh itself started (so down.sh never stops a system cluster).
CW_PG_MARKER="$CW_PIDS/postgres.private"

# Start order; down.sh stops them in reverse.
CW_SERVICES=(ingest evaluation alerting)
# The roles a ControlWatch token can carry (service-common Roles).
CW_ROLES=(ingest analyst oncall auditor admin)
CW_KEYS="$CW_RUN/keys"

# --- Sign-in: Keycloak (from Maven Central) holds the realm "controlwatch"; its tokens and the dev tokens share the
# issuer and the signing key (deploy/local/keycloak/realm.template.json imports .run/keys/private.pem), so the services
# verify both unchanged. CW_KEYCLOAK_PORT (8180), CW_KEYCLOAK_JAVA_HOME (else a Temurin 25 JDK if installed, else java).
CW_KEYCLOAK_VERSION=26.5.6
CW_KEYCLOAK_PORT=${CW_KEYCLOAK_PORT:-8180}
CW_KEYCLOAK_HOME="$CW_RUN/keycloak/keycloak-$CW_KEYCLOAK_VERSION"
CW_ISSUER="http://127.0.0.1:$CW_KEYCLOAK_PORT/realms/controlwatch"
# the console's sign-in users ("username role password" per line, 0600) and secrets, generated once
CW_CONSOLE_USERS="$CW_RUN/console-users.txt"
CW_CONSOLE_ENV="$CW_RUN/console.env"

info() { printf '[cw] %s\n' "$*"; }
warn() { printf '[cw] WARN: %s\n' "$*" >&2; }
die() { printf '[cw] ERROR: %s\n' "$*" >&2; exit 1; }

# Instances (up.sh --instances N): the first of a service has the service's name, the k-th (k >= 2) SERVICE-k, with
# its own pid file, log and port: the service's port + 10 * (k - 1) (evaluation-2: 8092).
instance_names() {
  local s=$1 n=${2:-1} k
  echo "$s"
  for ((k = 2; k <= n; k++)); do echo "$s-$k"; done
}
instance_service() { [[ $1 =~ ^(ingest|evaluation|alerting)-([0-9]+)$ ]] && echo "${BASH_REMATCH[1]}" || echo "$1"; }
instance_number() { [[ $1 =~ -([0-9]+)$ ]] && echo "${BASH_REMATCH[1]}" || echo 1; }
# The extra instances of SERVICE that have a pid file, started or not (SERVICE-2, SERVICE-3 ...).
extra_instances() {
  local f
  for f in "$CW_PIDS/$1"-[0-9]*.pid; do [[ -e $f ]] && basename "$f" .pid; done
  return 0
}

service_port() {
  local base
  case $(instance_service "$1") in
    ingest) base=${CW_INGEST_PORT:-8081} ;;
    evaluation) base=${CW_EVALUATION_PORT:-8082} ;;
    alerting) base=${CW_ALERTING_PORT:-8083} ;;
    console) base=${CW_CONSOLE_PORT:-8084} ;;
    *) die "unknown service $1" ;;
  esac
  echo $((base + 10 * ($(instance_number "$1") - 1)))
}

service_jar() { echo "$CW_ROOT/$(instance_service "$1")-service/target/quarkus-app/quarkus-run.jar"; }

# Put on the services' java command line (before -jar): the system tests run the same jars, and
# this tells the processes of up.sh apart from theirs (and from another checkout's).
service_tag() { echo "-Dcontrolwatch.local.run=$CW_RUN"; }

# A string that must appear in the command line of the process a pid file names. Every process is
# started with absolute paths under this repository.
pid_marker() {
  case $1 in
    kafka) echo "$CW_KAFKA_PROPS" ;;
    demo-feed) echo "$CW_LOCAL_DIR/demo-feed.sh" ;;
    mail-catcher) echo "$CW_GREENMAIL_JAR" ;;
    keycloak) echo "$CW_KEYCLOAK_HOME/bin/" ;;
    webhook-receiver | bench-webhook) echo "$CW_WEBHOOK_SRC --port" ;;
    *) echo "$(service_tag) -jar $(service_jar "$1")" ;;
  esac
}

# True while PID exists and is not a zombie (an exited child of this shell stays visible to kill -0).
alive() {
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $state != Z* ]]
}

# Prints the pid recorded for NAME if that process is alive and still the one we started
# (after a reboot the pid may belong to something else).
live_pid() {
  local file="$CW_PIDS/$1.pid" pid
  [[ -s $file ]] || return 1
  pid=$(<"$file")
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$(pid_marker "$1")" || return 1
  echo "$pid"
}

# True if something accepts TCP connections on HOST PORT.
# shellcheck disable=SC2016 # $0 and $1 are expanded by the inner bash
port_open() { timeout 1 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null; }

# Sends SIG to PID, and to its whole process group when it leads one (up.sh starts everything with
# setsid, so demo-feed's curl and sleep go down with it).
signal_proc() {
  local sig=$1 pid=$2 pgid
  pgid=$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ') || true
  if [[ $pgid == "$pid" ]]; then
    kill "-$sig" -- "-$pid" 2>/dev/null || true
  else
    kill "-$sig" "$pid" 2>/dev/null || true
  fi
}

# Stops the process of NAME's pid file: SIGTERM, up to 20 s for a clean shutdown (consumers commit
# offsets, the broker flushes), then SIGKILL. Removes the pid file.
stop_named() {
  local name=$1 pid i
  if pid=$(live_pid "$name"); then
    info "stopping $name (pid $pid)"
    signal_proc TERM "$pid"
    for ((i = 0; i < 40; i++)); do
      alive "$pid" || break
      sleep 0.5
    done
    if alive "$pid"; then
      warn "$name did not stop within 20 s; killing it"
      signal_proc KILL "$pid"
      for ((i = 0; i < 20; i++)); do
        alive "$pid" || break
        sleep 0.25
      done
    fi
  fi
  rm -f "$CW_PIDS/$name.pid"
}

# Directory of the newest installed PostgreSQL server binaries, if any.
pg_bin_dir() {
  local d
  d=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
  [[ -n $d && -x $d/initdb ]] && echo "$d"
}

# Runs a PostgreSQL server binary as the postgres user when we are root (initdb and postgres refuse
# root), from a directory that user can read.
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    (cd "$CW_RUN/pg" && runuser -u postgres -- "$@")
  else
    (cd "$CW_RUN/pg" && "$@")
  fi
}

# The services a role's tokens are addressed to (JWT aud): a machine's ingest token is useless against the other
# services; people read through alerting (and the sources of ingest); admins configure all three.
role_audiences() {
  case $1 in
    ingest) echo controlwatch-ingest ;;
    admin) echo controlwatch-ingest,controlwatch-evaluation,controlwatch-alerting ;;
    *) echo controlwatch-alerting,controlwatch-ingest ;;
  esac
}

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

# Prints an RS256 JWT signed with the local dev key: mint_jwt ROLE TTL_SECONDS [SUBJECT] [SOURCES] [AUDIENCES]
# SOURCES and AUDIENCES are comma-separated; SOURCES limits an ingest token to those source URI prefixes.
mint_jwt() {
  local role=$1 ttl=$2 subject=${3:-dev-$1} sources=${4:-} audiences=${5:-} now header claims input sig aud_json src_json
  [[ -s $CW_KEYS/private.pem ]] || die "no signing key in $CW_KEYS: run deploy/local/up.sh first"
  [[ -n $audiences ]] || audiences=$(role_audiences "$role")
  now=$(date +%s)
  aud_json=$(json_array "$audiences")
  src_json=""
  [[ -z $sources ]] || src_json=",\"sources\":$(json_array "$sources")"
  header='{"alg":"RS256","typ":"JWT","kid":"cw-dev"}'
  claims=$(printf '{"iss":"%s","sub":"%s","upn":"%s@controlwatch.local","groups":["%s"],"aud":%s,"iat":%d,"exp":%d,"jti":"%s"%s}' \
    "$CW_ISSUER" "$subject" "$subject" "$role" "$aud_json" "$now" $((now + ttl)) "$(openssl rand -hex 16)" "$src_json")
  input="$(printf '%s' "$header" | b64url).$(printf '%s' "$claims" | b64url)"
  sig=$(printf '%s' "$input" | openssl dgst -sha256 -sign "$CW_KEYS/private.pem" -binary | b64url)
  printf '%s.%s' "$input" "$sig"
}

# "a,b" -> ["a","b"] (values must not contain quotes or backslashes)
json_array() {
  local IFS=, out="" v
  for v in $1; do
    [[ $v != *[\"\\]* ]] || die "value '$v' must not contain quotes or backslashes"
    out+="${out:+,}\"$v\""
  done
  printf '[%s]' "$out"
}

# Seconds from a duration such as 90s, 30m, 12h or 2d.
duration_seconds() {
  [[ $1 =~ ^([0-9]+)([smhd])$ ]] || die "'$1' is not a duration (e.g. 30m, 12h, 1d)"
  local n=${BASH_REMATCH[1]}
  case ${BASH_REMATCH[2]} in
    s) echo "$n" ;; m) echo $((n * 60)) ;; h) echo $((n * 3600)) ;; d) echo $((n * 86400)) ;;
  esac
}

# --- Notifications demo: the mail catcher (GreenMail standalone, from Maven Central) and the Standard Webhooks
# receiver (plain JDK, run from source) that up.sh --demo starts and routes the demo failures to.
CW_GREENMAIL_VERSION=2.1.8
CW_GREENMAIL_JAR="$CW_RUN/lib/greenmail-standalone-$CW_GREENMAIL_VERSION.jar"
CW_WEBHOOK_SRC="$CW_LOCAL_DIR/webhook-receiver/WebhookReceiver.java"
CW_NOTIFY_DEMO_CONFIG="$CW_RUN/notifications.yaml"
CW_WEBHOOK_SECRET_FILE="$CW_RUN/webhook.secret"
# The receivers' JVM options (CW_RECEIVER_JAVA_OPTS; empty for the JVM's defaults). They stand in for remote
# systems but run on the pipeline's cores, and a fresh one is costly while its code is compiled: in a 30 s
# latency load with both notified (800 events/s, ~14,000 notifications), the two fresh receivers took 20.5-22.5
# CPU-seconds with the default compilers and 10.9-11.3 with C1 alone, and the pipeline's p99 fell from 1.4-1.6 s to
# 0.6-0.7 s (alternated twice; BENCHMARKS.md, "The eighth round").
CW_RECEIVER_JAVA_OPTS=${CW_RECEIVER_JAVA_OPTS--XX:TieredStopAtLevel=1}
mail_smtp_port() { echo "${CW_MAIL_SMTP_PORT:-3025}"; }
mail_api_port() { echo "${CW_MAIL_API_PORT:-8086}"; }
webhook_port() { echo "${CW_WEBHOOK_PORT:-8085}"; }

# The throw-away Standard Webhooks secret of the local receivers (generated once).
webhook_secret() {
  if [[ ! -s $CW_WEBHOOK_SECRET_FILE ]]; then
    (umask 077 && echo "whsec_$(openssl rand -base64 32)" >"$CW_WEBHOOK_SECRET_FILE")
  fi
  cat "$CW_WEBHOOK_SECRET_FILE"
}

# Starts the mail catcher (GreenMail standalone: SMTP on mail_smtp_port, its API and UI on mail_api_port) unless it
# runs, fetching its jar from Maven Central once; waits until its API answers.
start_mail_catcher() {
  local smtp api pid p deadline
  smtp=$(mail_smtp_port) api=$(mail_api_port)
  mkdir -p "$CW_RUN/lib" "$CW_PIDS" "$CW_LOGS"
  if [[ ! -s $CW_GREENMAIL_JAR ]]; then
    info "fetching GreenMail standalone $CW_GREENMAIL_VERSION (Maven Central) for the mail catcher"
    (cd "$CW_ROOT" && ./mvnw -B -q dependency:copy -Dartifact="com.icegreen:greenmail-standalone:$CW_GREENMAIL_VERSION" \
      -DoutputDirectory="$CW_RUN/lib") || die "could not fetch GreenMail standalone"
  fi
  if pid=$(live_pid mail-catcher); then
    info "mail catcher already running (pid $pid)"
    return 0
  fi
  for p in "$smtp" "$api"; do
    port_open 127.0.0.1 "$p" && die "port $p for the mail catcher is taken (set CW_MAIL_SMTP_PORT / CW_MAIL_API_PORT)"
  done
  # GreenMail keeps every mail in memory, about 10 KB each: with 256 MiB it ran out after some 25,000 mails of
  # bench/faults.sh receiver-outage's backlog, died, and left the scenario's mails undeliverable
  # shellcheck disable=SC2086 # the options are split on spaces on purpose
  setsid nohup java $CW_RECEIVER_JAVA_OPTS -Xmx2g -Dgreenmail.smtp.hostname=127.0.0.1 -Dgreenmail.smtp.port="$smtp" \
    -Dgreenmail.api.hostname=127.0.0.1 -Dgreenmail.api.port="$api" -Dgreenmail.auth.disabled \
    -jar "$CW_GREENMAIL_JAR" >>"$CW_LOGS/mail-catcher.log" 2>&1 </dev/null &
  echo $! >"$CW_PIDS/mail-catcher.pid"
  deadline=$((SECONDS + 60))
  until curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$api/api/service/readiness" 2>/dev/null; do
    ((SECONDS < deadline)) || die "the mail catcher did not start (log: $CW_LOGS/mail-catcher.log)"
    sleep 0.5
  done
  info "mail catcher (GreenMail) started: SMTP 127.0.0.1:$smtp, mails at http://127.0.0.1:$api/"
}

# start_webhook_receiver NAME PORT SECRET LOG [DELAY_MS]: the Standard Webhooks receiver, unless it runs; waits until
# it listens. NAME is its pid file's name (webhook-receiver for the demo).
start_webhook_receiver() {
  local name=$1 port=$2 secret=$3 log=$4 delay=${5:-0} pid deadline
  mkdir -p "$CW_PIDS" "$CW_LOGS"
  if pid=$(live_pid "$name"); then
    info "$name already running (pid $pid)"
    return 0
  fi
  port_open 127.0.0.1 "$port" && die "port $port for $name is taken (set CW_WEBHOOK_PORT)"
  # (a throw-away local secret, visible in ps; a real receiver keeps its secret in its own configuration)
  # shellcheck disable=SC2086 # the options are split on spaces on purpose
  setsid nohup java $CW_RECEIVER_JAVA_OPTS -Xmx64m "$CW_WEBHOOK_SRC" --port "$port" --secret "$secret" --log "$log" --delay-ms "$delay" \
    >>"$CW_LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$CW_PIDS/$name.pid"
  deadline=$((SECONDS + 60))
  until port_open 127.0.0.1 "$port"; do
    ((SECONDS < deadline)) || die "$name did not start (log: $CW_LOGS/$name.log)"
    sleep 0.3
  done
  info "$name started: http://127.0.0.1:$port/ (checks every Standard Webhooks signature)"
}
