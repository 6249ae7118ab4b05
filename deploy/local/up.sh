#!/usr/bin/env bash
# Starts ControlWatch on this machine without Docker: a single-node KRaft Kafka broker (from the jars
# deploy/kafka-broker collects), PostgreSQL, the topics, dev JWT keys and tokens, and the three
# services. Idempotent: whatever already runs (per pid file) is reused. Stop with down.sh.
#
# Usage: deploy/local/up.sh [--rebuild] [--demo] [--infra-only] [--no-console] [--instances N]
#   --rebuild     run the Maven build even if the jars exist
#   --instances N run N instances of each service (default 1, or CW_INSTANCES): one consumer group, each instance
#                 on its own port (the k-th on the service's port + 10 * (k - 1), e.g. evaluation-2 on 8092), log
#                 and pid file (.run/logs/evaluation-2.log); evaluation instances get their own CW_INSTANCE_ID and
#                 state directory. Useful up to the topics' partition count (docs/operations.md, "Scaling out")
#   --demo        also start demo-feed.sh in the background, a mail catcher (GreenMail) and a webhook receiver, and
#                 route the demo failures to both (deploy/local/.run/notifications.yaml)
#   --no-console  neither Keycloak nor the web console (saves ~450 MB and a minute; e.g. for benchmarks)
#   --infra-only  broker, database, topics and tokens only (to run services from an IDE or
#                 quarkus:dev); the services' environment is written to .run/services.env
#
# Environment: KAFKA_BOOTSTRAP_SERVERS (use that broker instead of starting one), CW_KAFKA_PORT
# (9092), CW_KAFKA_CONTROLLER_PORT (9093), CW_TOPIC_PARTITIONS (6), CW_DB_HOST (127.0.0.1),
# CW_DB_PORT (5432), CW_DB_NAME (controlwatch), CW_DB_USER (controlwatch: the services' own role, created with a
# generated password kept in .run/db.env), CW_DB_PASSWORD, CW_DB_ADMIN_USER (postgres), CW_DB_ADMIN_PASSWORD,
# CW_SOURCES_SECRET_KEY (base64 AES key sealing source secrets; generated once into .run/sources.env),
# CW_INGEST_PORT (8081), CW_EVALUATION_PORT (8082), CW_ALERTING_PORT (8083), with --demo CW_MAIL_SMTP_PORT (3025),
# CW_MAIL_API_PORT (8086), CW_WEBHOOK_PORT (8085), CW_RECEIVER_JAVA_OPTS (the mail catcher's and the webhook
# receiver's JVM options, default -XX:TieredStopAtLevel=1), CW_JAVA_OPTS (extra JVM options for all three services) and
# CW_INGEST_JAVA_OPTS / CW_EVALUATION_JAVA_OPTS / CW_ALERTING_JAVA_OPTS (for one; after CW_JAVA_OPTS, so they win),
# split on spaces; they apply to services this run starts, not to running ones.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REBUILD=0 DEMO=0 INFRA_ONLY=0 CONSOLE=1 INSTANCES=${CW_INSTANCES:-1}
while (($#)); do
  arg=$1
  shift
  case $arg in
    --instances) INSTANCES=${1:-}; shift || true ;;
    --rebuild) REBUILD=1 ;;
    --demo) DEMO=1 ;;
    --infra-only) INFRA_ONLY=1 ;;
    --no-console) CONSOLE=0 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $arg (see --help)" ;;
  esac
done
[[ $INSTANCES =~ ^[1-9]$ ]] || die "--instances takes a number from 1 to 9, not '$INSTANCES'"

mkdir -p "$CW_PIDS" "$CW_LOGS"
# A private PostgreSQL runs as user postgres and must be able to traverse into .run/pg.
chmod 755 "$CW_RUN"

KAFKA_LIB="$CW_ROOT/deploy/kafka-broker/target/lib"
SHARED_JAR="$CW_ROOT/shared-model/target/shared-model-0.1.0-SNAPSHOT.jar"

# ---------------------------------------------------------------------------------------------
# 1. Build whatever is missing.
# ---------------------------------------------------------------------------------------------
required=("$SHARED_JAR" "$KAFKA_LIB")
if ((!INFRA_ONLY)); then
  for s in "${CW_SERVICES[@]}" console; do required+=("$(service_jar "$s")"); done
fi
missing=0
for f in "${required[@]}"; do [[ -e $f ]] || missing=1; done
if ((REBUILD || missing)); then
  if ((INFRA_ONLY)); then
    # shellcheck disable=SC2054 # -pl takes a comma-separated list
    mvn_args=(-pl shared-model,deploy/kafka-broker -am)
  else
    mvn_args=()
  fi
  info "building (./mvnw -B -q ${mvn_args[*]:+${mvn_args[*]} }package -DskipTests) ..."
  for s in "${CW_SERVICES[@]}"; do
    if live_pid "$s" >/dev/null; then
      warn "$s keeps running the previous build; restart it with deploy/local/down.sh && deploy/local/up.sh"
    fi
  done
  (cd "$CW_ROOT" && ./mvnw -B -q "${mvn_args[@]}" package -DskipTests)
  for f in "${required[@]}"; do [[ -e $f ]] || die "build did not produce $f"; done
fi

# ---------------------------------------------------------------------------------------------
# 2. Kafka.
# ---------------------------------------------------------------------------------------------
KAFKA_PORT=${CW_KAFKA_PORT:-9092}
CONTROLLER_PORT=${CW_KAFKA_CONTROLLER_PORT:-9093}
KAFKA_DIR="$CW_RUN/kafka"
KAFKA_CP="$KAFKA_LIB/*"

# Short-lived Kafka command-line tools: C1 only and a small heap start faster; WARN keeps the
# AdminClient's config dump out of the output (no log4j2 file is given, so this sets the default).
kafka_tool() {
  java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dorg.apache.logging.log4j.level=WARN \
    -cp "$KAFKA_CP" "$@"
}

start_kafka() {
  local pid log="$CW_LOGS/kafka.log" data="$KAFKA_DIR/data" deadline
  if pid=$(live_pid kafka); then
    # Keep talking to the port it was started with.
    local running_port
    running_port=$(sed -n 's|^advertised.listeners=PLAINTEXT://[^:]*:\([0-9]*\).*|\1|p' "$CW_KAFKA_PROPS")
    if [[ -n $running_port && $running_port != "$KAFKA_PORT" ]]; then
      warn "kafka already runs on port $running_port, not $KAFKA_PORT; run deploy/local/down.sh to change ports"
      KAFKA_PORT=$running_port
    fi
    info "kafka already running (pid $pid)"
    port_open 127.0.0.1 "$KAFKA_PORT" || die "kafka (pid $pid) does not answer on 127.0.0.1:$KAFKA_PORT; see $log or run down.sh"
    return
  fi
  local p
  for p in "$KAFKA_PORT" "$CONTROLLER_PORT"; do
    port_open 127.0.0.1 "$p" && die "port $p is taken by another process. Stop it, choose other ports" \
      "(CW_KAFKA_PORT/CW_KAFKA_CONTROLLER_PORT), or use a running broker via KAFKA_BOOTSTRAP_SERVERS=host:port"
  done

  mkdir -p "$data"
  sed -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" -e "s|@CONTROLLER_PORT@|$CONTROLLER_PORT|g" -e "s|@LOG_DIRS@|$data|g" \
    "$CW_LOCAL_DIR/kafka/server.properties.template" >"$CW_KAFKA_PROPS"

  # Format once; later starts reuse the data (also with other ports: a single voter updates its own endpoint).
  if [[ ! -f $data/meta.properties ]]; then
    local cluster_id
    cluster_id=$(kafka_tool kafka.tools.StorageTool random-uuid)
    info "formatting kafka storage (cluster id $cluster_id)"
    kafka_tool kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$CW_KAFKA_PROPS" >"$KAFKA_DIR/format.log" 2>&1 ||
      { cat "$KAFKA_DIR/format.log" >&2; die "kafka storage format failed"; }
  fi

  info "starting kafka on 127.0.0.1:$KAFKA_PORT (controller $CONTROLLER_PORT)"
  # setsid: own process group, so a Ctrl-C on this script does not reach the broker.
  setsid nohup java -Xms256m -Xmx512m -cp "$KAFKA_CP" \
    -Dlog4j2.configurationFile="$CW_LOCAL_DIR/kafka/log4j2.yaml" \
    kafka.Kafka "$CW_KAFKA_PROPS" >"$log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$CW_PIDS/kafka.pid"

  deadline=$((SECONDS + 60))
  until grep -q "Kafka Server started" "$log" 2>/dev/null; do
    if ! alive "$pid"; then
      tail -n 40 "$log" >&2
      die "kafka exited during start-up (log: $log)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 40 "$log" >&2
      die "kafka not started after 60 s (log: $log)"
    fi
    sleep 0.5
  done
  info "kafka started (pid $pid)"
}

kafka_t0=$SECONDS
if [[ -n ${KAFKA_BOOTSTRAP_SERVERS:-} ]]; then
  info "using the running broker at $KAFKA_BOOTSTRAP_SERVERS (KAFKA_BOOTSTRAP_SERVERS)"
else
  start_kafka
  export KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:$KAFKA_PORT"
fi
kafka_secs=$((SECONDS - kafka_t0))

# ---------------------------------------------------------------------------------------------
# 3. PostgreSQL.
# ---------------------------------------------------------------------------------------------
DB_HOST=${CW_DB_HOST:-127.0.0.1}
DB_PORT=${CW_DB_PORT:-5432}
DB_NAME=${CW_DB_NAME:-controlwatch}
# The services connect as a role of their own that owns their database and nothing else (not the superuser); up.sh
# administers with CW_DB_ADMIN_USER (postgres) over TCP, or through the private cluster's own socket.
DB_USER=${CW_DB_USER:-controlwatch}
DB_ADMIN_USER=${CW_DB_ADMIN_USER:-postgres}
DB_ENV="$CW_RUN/db.env"

PG_BIN=$(pg_bin_dir || true)
# Client tools from PATH, else from the server installation.
pg_client() {
  local tool=$1
  shift
  if command -v "$tool" >/dev/null; then
    "$tool" "$@"
  elif [[ -n $PG_BIN && -x $PG_BIN/$tool ]]; then
    "$PG_BIN/$tool" "$@"
  else
    die "$tool not found: install the PostgreSQL client (apt-get install postgresql-client)"
  fi
}

start_private_pg() {
  local dir="$CW_RUN/pg" data="$CW_RUN/pg/data"
  id postgres >/dev/null 2>&1 || [[ $(id -u) -ne 0 ]] || die "no 'postgres' user to run a private PostgreSQL as"
  mkdir -p "$dir/sock"
  [[ $(id -u) -ne 0 ]] || chown postgres: "$dir" "$dir/sock"
  if [[ -f $CW_PG_MARKER ]] && as_pg "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    die "the private PostgreSQL already runs on port $(cut -d' ' -f3 "$CW_PG_MARKER"), not $DB_PORT; run deploy/local/down.sh first"
  fi
  if [[ ! -s $data/PG_VERSION ]]; then
    info "creating a private PostgreSQL cluster in $data (passwords over TCP; the superuser only on its socket)"
    as_pg "$PG_BIN/initdb" -D "$data" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C \
      >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  fi
  info "starting the private PostgreSQL on $DB_HOST:$DB_PORT"
  # Port and listen address on the command line, so the cluster follows CW_DB_PORT.
  as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$dir/postgres.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $DB_PORT -k $dir/sock" start >/dev/null ||
    { tail -n 40 "$dir/postgres.log" >&2; die "the private PostgreSQL did not start (log: $dir/postgres.log)"; }
  echo "$PG_BIN $data $DB_PORT" >"$CW_PG_MARKER"
  ln -sfn ../pg/postgres.log "$CW_LOGS/postgres.log"
}

if ! pg_client pg_isready -q -h "$DB_HOST" -p "$DB_PORT" -t 3; then
  case $DB_HOST in 127.0.0.1 | localhost | ::1) local_host=1 ;; *) local_host=0 ;; esac
  if ((local_host)) && [[ -n $PG_BIN ]]; then
    start_private_pg
  else
    die "PostgreSQL does not answer on $DB_HOST:$DB_PORT; start it or point CW_DB_HOST/CW_DB_PORT at one"
  fi
elif [[ -f $CW_PG_MARKER && "$(cut -d' ' -f3 "$CW_PG_MARKER")" == "$DB_PORT" ]]; then
  info "private PostgreSQL already running on $DB_HOST:$DB_PORT"
else
  info "using PostgreSQL on $DB_HOST:$DB_PORT"
fi

# psql as the administrator: through the private cluster's socket, else over TCP (CW_DB_ADMIN_PASSWORD if needed).
admin_psql() {
  if [[ -f $CW_PG_MARKER ]]; then
    pg_client psql -X -q -At -v ON_ERROR_STOP=1 -h "$CW_RUN/pg/sock" -p "$DB_PORT" -U postgres "$@"
  else
    PGPASSWORD=${CW_DB_ADMIN_PASSWORD:-} pg_client psql -X -q -At -v ON_ERROR_STOP=1 -h "$DB_HOST" -p "$DB_PORT" \
      -U "$DB_ADMIN_USER" "$@"
  fi
}

# The services' role and its password: given, or generated once and kept in .run/db.env (0600).
if [[ -n ${CW_DB_PASSWORD:-} ]]; then
  DB_PASSWORD=$CW_DB_PASSWORD
elif [[ -s $DB_ENV ]]; then
  DB_PASSWORD=$(sed -n 's/^CW_DB_PASSWORD=//p' "$DB_ENV")
fi
if [[ -z ${DB_PASSWORD:-} ]]; then
  DB_PASSWORD=$(openssl rand -hex 24)
  (umask 077 && printf 'CW_DB_USER=%s\nCW_DB_PASSWORD=%s\n' "$DB_USER" "$DB_PASSWORD" >"$DB_ENV")
fi

db_existed=$(admin_psql -d postgres -v name="$DB_NAME" -f - <<<"select count(*) from pg_database where datname = :'name'")
if [[ $DB_USER != "$DB_ADMIN_USER" ]]; then
  # Names and the password go in as psql variables (quoted by format with %I and %L), never into the SQL text.
  # (the password through standard input: psql's own arguments are visible in ps)
  admin_psql -d postgres -v user="$DB_USER" -v db="$DB_NAME" -f - >/dev/null <<SQL
\set password '$DB_PASSWORD'
select format('create role %I login', :'user') where not exists (select 1 from pg_roles where rolname = :'user') \gexec
select format('alter role %I login nosuperuser nocreatedb nocreaterole noreplication password %L', :'user', :'password') \gexec
select format('create database %I owner %I', :'db', :'user') where not exists (select 1 from pg_database where datname = :'db') \gexec
select format('alter database %I owner to %I', :'db', :'user') \gexec
select format('revoke all on database %I from public', :'db') \gexec
SQL
  # Tables of an earlier run as another user (before this role existed) move to the role, or it could not use them.
  admin_psql -d "$DB_NAME" -v user="$DB_USER" -f - >/dev/null <<'SQL'
select format('alter table %I.%I owner to %I', schemaname, tablename, :'user')
  from pg_tables where schemaname = 'public' and tableowner <> :'user' \gexec
select format('alter sequence %I.%I owner to %I', schemaname, sequencename, :'user')
  from pg_sequences where schemaname = 'public' and sequenceowner <> :'user' \gexec
SQL
elif [[ $db_existed != 1 ]]; then
  admin_psql -d postgres -v db="$DB_NAME" -f - >/dev/null <<<"select format('create database %I', :'db') \gexec"
fi
if [[ $db_existed != 1 ]]; then
  info "created database $DB_NAME owned by $DB_USER"
  where=shared
  [[ ! -f $CW_PG_MARKER ]] || where=private
  echo "$DB_HOST $DB_PORT $DB_NAME $DB_USER $where" >"$CW_RUN/db.created"
fi
# Say what the database already holds: a "fresh" start on old evidence must not surprise anyone.
held=empty
if [[ $(admin_psql -d "$DB_NAME" -c "select to_regclass('public.control_execution') is not null") == t ]]; then
  held=$(admin_psql -d "$DB_NAME" -c "select count(*) || ' executions, recorded ' || coalesce(min(recorded_at)::date::text, '-')
    || ' to ' || coalesce(max(recorded_at)::date::text, '-') from control_execution")
fi
if [[ $held == empty || $held == 0\ * ]]; then
  info "database $DB_NAME on $DB_HOST:$DB_PORT (role $DB_USER) holds no evidence yet"
else
  info "database $DB_NAME on $DB_HOST:$DB_PORT (role $DB_USER) already holds $held; start clean with deploy/local/down.sh --purge"
fi
export CW_DB_URL="postgresql://$DB_HOST:$DB_PORT/$DB_NAME" CW_DB_USER="$DB_USER" CW_DB_PASSWORD="$DB_PASSWORD"
unset PGPASSWORD

# ---------------------------------------------------------------------------------------------
# 4. Topics, as io.controlwatch.model.Topics lists them ("<name> <cleanup.policy>" per line).
# ---------------------------------------------------------------------------------------------
topics_t0=$SECONDS
topic_list=$(java -cp "$SHARED_JAR" io.controlwatch.model.Topics) || die "could not list the topics from $SHARED_JAR"
[[ -n $topic_list ]] || die "io.controlwatch.model.Topics printed no topics"
# One JVM to list what exists; then one per missing topic, in parallel (each JVM start is ~1.5 s).
existing=$(kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" --list) ||
  die "could not list topics on $KAFKA_BOOTSTRAP_SERVERS"
creators=()
while read -r name policy; do
  [[ -n $name ]] || continue
  grep -qxF -- "$name" <<<"$existing" && continue
  info "creating topic $name (cleanup.policy=$policy)"
  kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" --create \
    --if-not-exists --topic "$name" --partitions "${CW_TOPIC_PARTITIONS:-6}" --replication-factor 1 \
    --config "cleanup.policy=$policy" >/dev/null &
  creators+=($!)
done <<<"$topic_list"
for pid in "${creators[@]}"; do wait "$pid" || die "creating a topic failed (see above)"; done
topics_secs=$((SECONDS - topics_t0))

# ---------------------------------------------------------------------------------------------
# 5. Dev keys and tokens (RS256 JWTs signed with a throw-away key, verified by the services).
# ---------------------------------------------------------------------------------------------
TOKENS="$CW_RUN/tokens.env"
AUTH="$CW_RUN/auth"
(umask 077 && mkdir -p "$CW_KEYS" "$AUTH")
if [[ ! -s $CW_KEYS/private.pem || ! -s $CW_KEYS/public.pem ]]; then
  info "generating the dev RSA key pair in $CW_KEYS"
  (umask 077 && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$CW_KEYS/private.pem" 2>/dev/null)
  openssl pkey -in "$CW_KEYS/private.pem" -pubout -out "$CW_KEYS/public.pem"
fi

# One token per role, valid 12 h (the services refuse tokens older than 24 h); renewed after 6 h so a running setup
# never holds one about to expire. A new key also invalidates the old tokens. Each also as a header file for
# `curl -H @file`: a token on a command line is visible to every user of the machine.
if [[ ! -s $TOKENS || $CW_KEYS/private.pem -nt $TOKENS || -n $(find "$TOKENS" -mmin +360) ]] ||
  ! grep -qxF "# issuer $CW_ISSUER" "$TOKENS"; then
  info "writing dev tokens to $TOKENS and $AUTH/<role>.header (valid 12 h)"
  (
    umask 077
    {
      echo "# Dev JWTs for the local ControlWatch, one per role, valid 12 h. Renewed by up.sh after 6 h."
      echo "# More: deploy/local/token.sh ROLE [--ttl 1h] [--sources PREFIX,...]"
      echo "# issuer $CW_ISSUER"
      for role in "${CW_ROLES[@]}"; do
        token=$(mint_jwt "$role" $((12 * 3600)))
        echo "CW_TOKEN_${role^^}=$token"
        printf 'Authorization: Bearer %s\n' "$token" >"$AUTH/$role.header.tmp"
        mv "$AUTH/$role.header.tmp" "$AUTH/$role.header"
      done
    } >"$TOKENS.tmp"
  )
  mv "$TOKENS.tmp" "$TOKENS"
  chmod 600 "$TOKENS"
fi
export MP_JWT_VERIFY_PUBLICKEY_LOCATION="$CW_KEYS/public.pem" MP_JWT_VERIFY_ISSUER="$CW_ISSUER"

# ---------------------------------------------------------------------------------------------
# 5a. Sign-in: Keycloak from Maven Central with the realm "controlwatch" (roles, demo users, the console client),
#     signing with the key above. Started now, waited for before the console starts (it takes ~60 s on 2 cores).
# ---------------------------------------------------------------------------------------------
keycloak_java() {
  local jdk
  if [[ -n ${CW_KEYCLOAK_JAVA_HOME:-} ]]; then
    echo "$CW_KEYCLOAK_JAVA_HOME"
    return
  fi
  # Keycloak 26.5 runs on Java 17, 21 and 25; the newest installed starts fastest
  for jdk in /usr/lib/jvm/temurin-25-jdk* /usr/lib/jvm/java-25-* /usr/lib/jvm/java-21-*; do
    [[ -x $jdk/bin/java ]] && { echo "$jdk"; return; }
  done
  dirname "$(dirname "$(readlink -f "$(command -v java)")")"
}

start_keycloak() {
  local pid zip secret ingest_secret admin_password
  if pid=$(live_pid keycloak); then
    info "keycloak already running (pid $pid)"
    return
  fi
  port_open 127.0.0.1 "$CW_KEYCLOAK_PORT" && die "port $CW_KEYCLOAK_PORT for Keycloak is taken (set CW_KEYCLOAK_PORT)"
  if [[ ! -x $CW_KEYCLOAK_HOME/bin/kc.sh ]]; then
    zip="$HOME/.m2/repository/org/keycloak/keycloak-quarkus-dist/$CW_KEYCLOAK_VERSION/keycloak-quarkus-dist-$CW_KEYCLOAK_VERSION.zip"
    if [[ ! -s $zip ]]; then
      info "fetching Keycloak $CW_KEYCLOAK_VERSION (org.keycloak:keycloak-quarkus-dist, Maven Central, 160 MB)"
      (cd "$CW_ROOT" && ./mvnw -B -q dependency:get -Dartifact="org.keycloak:keycloak-quarkus-dist:$CW_KEYCLOAK_VERSION:zip" \
        -Dtransitive=false) || die "could not fetch Keycloak"
    fi
    mkdir -p "$CW_RUN/keycloak"
    (cd "$CW_RUN/keycloak" && unzip -q -o "$zip") || die "could not unpack $zip"
  fi
  # Users and secrets once; the realm is imported on the first start only (IGNORE_EXISTING keeps later changes).
  if [[ ! -s $CW_CONSOLE_USERS ]]; then
    (
      umask 077
      for role in "${CW_ROLES[@]}"; do
        printf '%s %s %s\n' "$role-user" "$role" "$(openssl rand -hex 8)"
      done >"$CW_CONSOLE_USERS"
    )
  fi
  if [[ ! -s $CW_CONSOLE_ENV ]]; then
    (umask 077 && printf 'QUARKUS_OIDC_CREDENTIALS_SECRET=%s\nCW_CONSOLE_SESSION_KEY=%s\nCW_INGEST_CLIENT_SECRET=%s\nCW_KEYCLOAK_ADMIN_PASSWORD=%s\n' \
      "$(openssl rand -hex 24)" "$(openssl rand -hex 24)" "$(openssl rand -hex 24)" "$(openssl rand -hex 12)" >"$CW_CONSOLE_ENV")
  fi
  secret=$(sed -n 's/^QUARKUS_OIDC_CREDENTIALS_SECRET=//p' "$CW_CONSOLE_ENV")
  ingest_secret=$(sed -n 's/^CW_INGEST_CLIENT_SECRET=//p' "$CW_CONSOLE_ENV")
  admin_password=$(sed -n 's/^CW_KEYCLOAK_ADMIN_PASSWORD=//p' "$CW_CONSOLE_ENV")
  mkdir -p "$CW_KEYCLOAK_HOME/data/import"
  (umask 077 && "$CW_LOCAL_DIR/keycloak/render-realm.sh" "$CW_KEYS/private.pem" "http://127.0.0.1:$(service_port console)" \
    "$secret" "$ingest_secret" "$CW_CONSOLE_USERS" >"$CW_KEYCLOAK_HOME/data/import/controlwatch-realm.json") ||
    die "could not render the Keycloak realm"
  info "starting keycloak $CW_KEYCLOAK_VERSION on 127.0.0.1:$CW_KEYCLOAK_PORT (Java: $(keycloak_java))"
  # (the bootstrap admin's password is in the environment, not on the command line)
  JAVA_HOME=$(keycloak_java) KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=$admin_password \
    JAVA_OPTS_KC_HEAP="-Xms64m -Xmx512m" setsid nohup "$CW_KEYCLOAK_HOME/bin/kc.sh" start-dev --http-host=127.0.0.1 \
    --http-port="$CW_KEYCLOAK_PORT" --http-management-port=$((CW_KEYCLOAK_PORT + 1)) --cache=local --import-realm \
    >"$CW_LOGS/keycloak.log" 2>&1 </dev/null &
  echo $! >"$CW_PIDS/keycloak.pid"
}

await_keycloak() {
  local deadline=$((SECONDS + 240))
  until curl -fsS -o /dev/null --max-time 2 "$CW_ISSUER/.well-known/openid-configuration" 2>/dev/null; do
    if ! live_pid keycloak >/dev/null && ! alive "$(cat "$CW_PIDS/keycloak.pid" 2>/dev/null || echo 0)"; then
      tail -n 40 "$CW_LOGS/keycloak.log" >&2
      die "keycloak exited during start-up (log: $CW_LOGS/keycloak.log)"
    fi
    ((SECONDS < deadline)) || die "keycloak not ready after 240 s (log: $CW_LOGS/keycloak.log)"
    sleep 1
  done
  info "keycloak ready: realm controlwatch at $CW_ISSUER"
}

if ((!INFRA_ONLY && CONSOLE)); then
  keycloak_t0=$SECONDS
  start_keycloak
fi

# The Ed25519 key the alerting service signs evidence checkpoints and export manifests with (docs/auditors.md):
# given (CW_EVIDENCE_SIGNING_KEY + CW_EVIDENCE_PUBLIC_KEY), or a dev key generated once into the key directory.
if [[ -z ${CW_EVIDENCE_SIGNING_KEY:-} ]]; then
  if [[ ! -s $CW_KEYS/evidence-private.pem || ! -s $CW_KEYS/evidence-public.pem ]]; then
    info "generating the dev Ed25519 evidence signing key in $CW_KEYS"
    (umask 077 && openssl genpkey -algorithm ed25519 -out "$CW_KEYS/evidence-private.pem" 2>/dev/null)
    openssl pkey -in "$CW_KEYS/evidence-private.pem" -pubout -out "$CW_KEYS/evidence-public.pem"
  fi
  CW_EVIDENCE_SIGNING_KEY="$CW_KEYS/evidence-private.pem" CW_EVIDENCE_PUBLIC_KEY="$CW_KEYS/evidence-public.pem"
fi
CW_EVIDENCE_PUBLIC_KEY=${CW_EVIDENCE_PUBLIC_KEY:-}
export CW_EVIDENCE_SIGNING_KEY CW_EVIDENCE_PUBLIC_KEY

# The AES key that seals source secrets on ingest's registry topic: given, or generated once into .run (0600).
# Losing it makes every registered source's secret unreadable: their deliveries are refused until rotated.
SOURCES_ENV="$CW_RUN/sources.env"
if [[ -z ${CW_SOURCES_SECRET_KEY:-} ]]; then
  if [[ ! -s $SOURCES_ENV ]]; then
    (umask 077 && printf 'CW_SOURCES_SECRET_KEY=%s\n' "$(openssl rand -base64 32)" >"$SOURCES_ENV")
  fi
  CW_SOURCES_SECRET_KEY=$(sed -n 's/^CW_SOURCES_SECRET_KEY=//p' "$SOURCES_ENV")
fi
export CW_SOURCES_SECRET_KEY

# The services' environment, for running one from an IDE or quarkus:dev against this setup.
(
  umask 077
  for v in KAFKA_BOOTSTRAP_SERVERS CW_DB_URL CW_DB_USER CW_DB_PASSWORD MP_JWT_VERIFY_PUBLICKEY_LOCATION MP_JWT_VERIFY_ISSUER \
    CW_SOURCES_SECRET_KEY CW_EVIDENCE_SIGNING_KEY CW_EVIDENCE_PUBLIC_KEY; do
    printf '%s=%q\n' "$v" "${!v}"
  done >"$CW_RUN/services.env"
)

# ---------------------------------------------------------------------------------------------
# 5b. Notifications demo (--demo): a mail catcher and a webhook receiver, the demo failures routed to both.
# ---------------------------------------------------------------------------------------------
start_notify_demo() {
  local secret pid
  start_mail_catcher
  secret=$(webhook_secret)
  start_webhook_receiver webhook-receiver "$(webhook_port)" "$secret" "$CW_LOGS/webhook-deliveries.log"
  # Every finding goes to the webhook receiver and to the mail catcher, 5 s after it opens.
  (
    umask 077
    cat >"$CW_NOTIFY_DEMO_CONFIG" <<YAML
# Written by deploy/local/up.sh --demo; the format: docs/notifications.md
formatVersion: 1
receivers:
  - name: demo-hook
    webhook:
      url: http://127.0.0.1:$(webhook_port)/controlwatch
      secrets: [$secret]
  - name: demo-mail
    email:
      to: [oncall@example.com]
links:
  finding: http://127.0.0.1:$(service_port alerting)/api/v1/findings/{id}
route:
  receiver: demo-mail
  groupWait: 5s
  repeatInterval: 1h
  routes:
    - receiver: demo-hook
      continue: true
    - receiver: demo-mail
YAML
  )
  export CW_NOTIFY_CONFIG="$CW_NOTIFY_DEMO_CONFIG"
  if pid=$(live_pid alerting); then
    info "alerting (pid $pid) already runs; the demo's notification config is put in force through its API below"
  fi
}
# The local alerting service mails through the local mail catcher's port (started by --demo or the bench).
export QUARKUS_MAILER_HOST=127.0.0.1 QUARKUS_MAILER_PORT="$(mail_smtp_port)" QUARKUS_MAILER_START_TLS=DISABLED
if ((DEMO && !INFRA_ONLY)); then
  start_notify_demo
fi

# ---------------------------------------------------------------------------------------------
# 6. Services.
# ---------------------------------------------------------------------------------------------
if ((!INFRA_ONLY)); then
  services_t0=$SECONDS
  declare -A svc_pid
  instances=()
  for s in "${CW_SERVICES[@]}"; do
    # shellcheck disable=SC2207 # names without spaces
    instances+=($(instance_names "$s" "$INSTANCES"))
  done
  for name in "${instances[@]}"; do
    s=$(instance_service "$name")
    k=$(instance_number "$name")
    port=$(service_port "$name")
    if pid=$(live_pid "$name"); then
      info "$name already running (pid $pid)"
    else
      port_open 127.0.0.1 "$port" && die "port $port for $name is taken by another process (set CW_${s^^}_PORT)"
      # Extra JVM options (e.g. bench/profile.sh's for the profiler); before the service tag, which pid_marker
      # expects right in front of -jar.
      own_opts_var="CW_${s^^}_JAVA_OPTS"
      read -ra extra_opts <<<"${CW_JAVA_OPTS:-} ${!own_opts_var:-}"
      # The evaluation service on the serial collector: 6-8 % less CPU per event than G1 with a 512 MiB heap on two
      # cores (bench/topology-throughput.sh --jvm, BENCHMARKS.md); a collector given in the options wins.
      if [[ $s == evaluation && " ${extra_opts[*]} " != *" -XX:+Use"*"GC "* ]]; then
        extra_opts=(-XX:+UseSerialGC ${extra_opts[@]+"${extra_opts[@]}"})
      fi
      info "starting $name on port $port${extra_opts[*]:+ (extra JVM options: ${extra_opts[*]})}"
      # Kafka Streams state lives beside the broker's data it was built from, not in the shared /tmp: after
      # down.sh --purge, or with a second checkout, local state of another broker corrupts the evaluation's tasks.
      # Each evaluation instance has a state directory and a static-membership id of its own (evaluation-0, -1 ...).
      state_dir="$CW_RUN/kafka-streams"
      ((k == 1)) || state_dir+="-$k"
      CW_INSTANCE_ID="$s-$((k - 1))" QUARKUS_HTTP_PORT=$port setsid nohup java -Xmx512m \
        -Dkafka-streams.state.dir="$state_dir" ${extra_opts[@]+"${extra_opts[@]}"} "$(service_tag)" \
        -jar "$(service_jar "$s")" >"$CW_LOGS/$name.log" 2>&1 </dev/null &
      pid=$!
      echo "$pid" >"$CW_PIDS/$name.pid"
    fi
    svc_pid[$name]=$pid
  done

  # All three start in parallel; wait for each one's readiness check (Kafka and DB connections).
  deadline=$((SECONDS + 180))
  pending=("${instances[@]}")
  while ((${#pending[@]})); do
    still=()
    for s in "${pending[@]}"; do
      if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$(service_port "$s")/q/health/ready" 2>/dev/null; then
        info "$s ready"
      elif ! alive "${svc_pid[$s]}"; then
        tail -n 40 "$CW_LOGS/$s.log" >&2
        die "$s exited during start-up (log: $CW_LOGS/$s.log)"
      else
        still+=("$s")
      fi
    done
    pending=("${still[@]}")
    ((${#pending[@]})) || break
    if ((SECONDS >= deadline)); then
      for s in "${pending[@]}"; do
        echo "---- last 40 lines of $CW_LOGS/$s.log ----" >&2
        tail -n 40 "$CW_LOGS/$s.log" >&2
      done
      die "not ready after 180 s: ${pending[*]} (the rest keeps running; stop all with deploy/local/down.sh)"
    fi
    sleep 1
  done
  services_secs=$((SECONDS - services_t0))
fi

# ---------------------------------------------------------------------------------------------
# 6b. The console (after Keycloak answers: it signs users in there).
# ---------------------------------------------------------------------------------------------
if ((!INFRA_ONLY && CONSOLE)); then
  await_keycloak
  keycloak_secs=$((SECONDS - keycloak_t0))
  if pid=$(live_pid console); then
    info "console already running (pid $pid)"
  else
    port=$(service_port console)
    port_open 127.0.0.1 "$port" && die "port $port for the console is taken (set CW_CONSOLE_PORT)"
    info "starting console on port $port"
    # shellcheck disable=SC2046 # the console's secrets, one word each
    env $(cat "$CW_CONSOLE_ENV") QUARKUS_HTTP_PORT="$port" CW_CONSOLE_OIDC_URL="$CW_ISSUER" \
      CW_CONSOLE_ALERTING_URL="http://127.0.0.1:$(service_port alerting)" \
      CW_CONSOLE_INGEST_URL="http://127.0.0.1:$(service_port ingest)" \
      CW_CONSOLE_PACK_FILE="$CW_ROOT/control-packs/soc2/controls.yaml" \
      setsid nohup java -Xmx256m "$(service_tag)" -jar "$(service_jar console)" >"$CW_LOGS/console.log" 2>&1 </dev/null &
    echo $! >"$CW_PIDS/console.pid"
    deadline=$((SECONDS + 120))
    until curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/q/health/ready" 2>/dev/null; do
      if ! alive "$(cat "$CW_PIDS/console.pid")"; then
        tail -n 40 "$CW_LOGS/console.log" >&2
        die "console exited during start-up (log: $CW_LOGS/console.log)"
      fi
      ((SECONDS < deadline)) || die "console not ready after 120 s (log: $CW_LOGS/console.log)"
      sleep 1
    done
    info "console ready"
  fi
fi

# ---------------------------------------------------------------------------------------------
# 7. Demo feed.
# ---------------------------------------------------------------------------------------------
# The demo's routing must be the config in force. One an admin set through the API (bench/faults.sh sets one, and
# anyone may) outlives restarts and wins over the file by design, which would send the demo's failures nowhere
# while this script promises mails and webhook deliveries: put the demo's config in force through the API then.
demo_notifications_in_force() {
  local url in_force want
  url="http://127.0.0.1:$(service_port alerting)/api/v1/notifications/config"
  want="sha256:$(sha256sum "$CW_NOTIFY_DEMO_CONFIG" | cut -d' ' -f1)"
  in_force=$(curl -fsS --max-time 10 -H @"$AUTH/admin.header" "$url" | sed -n 's/.*"sha256":"\([^"]*\)".*/\1/p') || in_force=""
  [[ $in_force == "$want" ]] && return 0
  if curl -fsS --max-time 30 -o /dev/null -X PUT "$url" -H @"$AUTH/admin.header" -H 'Content-Type: application/yaml' \
    --data-binary @"$CW_NOTIFY_DEMO_CONFIG"; then
    info "notification config: another one was in force (${in_force:-unknown}); the demo's routing is now, through the API"
  else
    warn "could not put the demo's notification config in force; demo failures may not be mailed or posted"
  fi
}

if ((DEMO)); then
  if ((INFRA_ONLY)); then
    warn "--demo needs the ingest service; not started with --infra-only"
  else
    demo_notifications_in_force
  fi
  if ((INFRA_ONLY)); then
    :
  elif pid=$(live_pid demo-feed); then
    info "demo feed already running (pid $pid)"
  else
    setsid nohup "$CW_LOCAL_DIR/demo-feed.sh" >"$CW_LOGS/demo-feed.log" 2>&1 </dev/null &
    echo $! >"$CW_PIDS/demo-feed.pid"
    info "demo feed started (pid $!, log $CW_LOGS/demo-feed.log)"
  fi
fi

# ---------------------------------------------------------------------------------------------
# 8. Summary.
# ---------------------------------------------------------------------------------------------
rel_run="${CW_RUN#"$PWD"/}"
ingest=http://127.0.0.1:$(service_port ingest)
evaluation=http://127.0.0.1:$(service_port evaluation)
alerting=http://127.0.0.1:$(service_port alerting)
echo
echo "ControlWatch is up ($SECONDS s: kafka ${kafka_secs} s, topics ${topics_secs} s${services_secs:+, services ${services_secs} s}${keycloak_secs:+, keycloak ${keycloak_secs} s})."
echo "  Kafka      $KAFKA_BOOTSTRAP_SERVERS"
echo "  PostgreSQL $CW_DB_URL (user $CW_DB_USER)"
if ((!INFRA_ONLY)); then
  cat <<EOF
  Ingest     POST $ingest/api/v1/events
  Alerting   GET  $alerting/api/v1/failures   GET $alerting/api/v1/controls
  Evaluation      $evaluation
EOF
  if ((INSTANCES > 1)); then
    echo "  Instances  $INSTANCES of each service: the k-th on the port + 10 * (k - 1) (e.g. ingest-2 on $(service_port ingest-2))"
  fi
  cat <<EOF
  Metrics    /q/metrics on each service, e.g. $ingest/q/metrics
  Health     /q/health, /q/health/ready on each service
EOF
  if ((CONSOLE)); then
    cat <<EOF
  Console    http://127.0.0.1:$(service_port console)/   sign in as oncall-user, analyst-user, auditor-user, admin-user
             (passwords: $rel_run/console-users.txt, "username role password" per line; Keycloak at $CW_ISSUER)
EOF
  fi
  if ((DEMO)); then
    cat <<EOF
  Findings   GET  $alerting/api/v1/findings   (each demo failure is mailed and posted within a minute:)
  Mails      http://127.0.0.1:$(mail_api_port)/api/user/oncall@example.com/messages/INBOX   (GreenMail; its UI at /)
  Webhooks   http://127.0.0.1:$(webhook_port)/   (signature-checked deliveries; log $rel_run/logs/webhook-deliveries.log)
EOF
  fi
else
  echo "  Services   not started (--infra-only); their environment: $rel_run/services.env"
fi
cat <<EOF
  Tokens     $rel_run/auth/<role>.header for curl -H @file, $rel_run/tokens.env (roles ${CW_ROLES[*]}; 12 h)
  Logs       $rel_run/logs/

Send an event that violates MFA (a login without MFA):

  curl -sS -X POST $ingest/api/v1/events \\
    -H 'Content-Type: application/cloudevents-batch+json' -H @$rel_run/auth/ingest.header \\
    -d '[{"specversion":"1.0","id":"'"\$(cat /proc/sys/kernel/random/uuid)"'","source":"https://login.example-idp.com","type":"auth.login","subject":"mallory@example.com","time":"'"\$(date -u +%Y-%m-%dT%H:%M:%SZ)"'","datacontenttype":"application/json","data":{"user":"mallory@example.com","mfa":false,"outcome":"success","ip":"198.51.100.23","app":"aws-console"}}]'
  curl -sS -H @$rel_run/auth/analyst.header $alerting/api/v1/failures

Stop: $CW_LOCAL_DIR/down.sh   (--purge also deletes data, keys and tokens)
EOF
