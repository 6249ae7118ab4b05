#!/usr/bin/env bash
# Console benchmark (issue 11: console pages under 1 s of server time at real volumes): loads N executions and M
# findings (with their failures, evidence and history) into a scratch database through ConsoleBenchLoad, starts the
# alerting service on it and the console against it (and against a stub of ingest's sources API), then requests every
# console page and the alerting API calls behind them, R times each after 3 warm-ups, one at a time. Server time is
# curl's time to the first byte on 127.0.0.1 (the console renders a page whole before it sends it). Prints a table
# and one RESULT line, kept in bench/results/console-benchmark.txt. Not a test: the machine is shared, so compare runs
# on the same machine only.
#   bench/console-benchmark.sh [executions (1000000)] [findings (100000)] [requests per page (20)] [days (180)]
# CW_BENCH_KEEP_DB=1 keeps the loaded database (for EXPLAIN ANALYZE); CW_BENCH_DB=<name> measures again on a kept one
# (the service migrates it first, so a new migration is measured without a reload; its rows age by the time since).
# Needs: the local PostgreSQL on 127.0.0.1:5432 (user postgres, trust), java 17, curl, jq. No Kafka and no identity
# provider: the services run without a broker, and the console accepts bearer tokens (quarkus-oidc in service mode
# with the run's own key, set here on the command line as ConsolePagesTest's ConsoleTestResource sets it; the
# shipped configuration keeps the browser sign-in).
set -euo pipefail
cd "$(dirname "$0")/.."
executions=${1:-1000000}
findings=${2:-100000}
requests=${3:-20}
days=${4:-180}
warmups=3
alerting_port=${CW_BENCH_PORT:-18110}
console_port=$((alerting_port + 1))
ingest_port=$((alerting_port + 2))
db=${CW_BENCH_DB:-cw_consolebench_$$}
keep=${CW_BENCH_KEEP_DB:-}
[ -n "${CW_BENCH_DB:-}" ] && keep=1
pg=(psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -qAt)
work="bench/.work/console-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$work"
work=$(cd "$work" && pwd)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -z "$keep" ]; then
    "${pg[@]}" -d postgres -c "drop database if exists $db" >/dev/null 2>&1 || true
  else
    echo "kept database $db (drop database $db when done)" >&2
  fi
}
trap cleanup EXIT

# waits for a service's liveness, showing its log if it died
wait_live() {
  local port=$1 pid=$2 log=$3
  for _ in $(seq 1 180); do
    curl -sf "http://127.0.0.1:$port/q/health/live" >/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { tail -30 "$log"; return 1; }
    sleep 1
  done
  tail -30 "$log"
  return 1
}

# the services and the loader (test classes); package, never install (shared ~/.m2): the classpath is taken in the
# same reactor build, so the project's own modules resolve to their target/ jars
./mvnw -o -B -q package dependency:build-classpath -pl alerting-service,console-service -am \
  -DskipTests -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
cp=$(cat alerting-service/target/bench-classpath.txt)
loader=(java -cp "alerting-service/target/test-classes:alerting-service/target/classes:$cp" io.controlwatch.alerting.bench.ConsoleBenchLoad)

[ -n "${CW_BENCH_DB:-}" ] || "${pg[@]}" -d postgres -c "create database $db"
# the JWT key both services trust, and an analyst token (test-support's TestTokens, a fresh key pair per run;
# valid for an hour)
"${loader[@]}" token "$work"
token=$(cat "$work/analyst.token")
auth=(-H "Authorization: Bearer $token")

CW_DB_URL="postgresql://127.0.0.1:5432/$db" CW_DB_USER=postgres QUARKUS_HTTP_PORT=$alerting_port \
MP_JWT_VERIFY_PUBLICKEY_LOCATION="$work/jwt-public.pem" CW_EXPORTS_DIRECTORY="$work/exports" \
KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:1 CW_CONSUMER_GROUP="consolebench-$$" \
QUARKUS_LOG_CATEGORY__ORG_APACHE_KAFKA__LEVEL=ERROR \
  java -Xmx256m -jar alerting-service/target/quarkus-app/quarkus-run.jar >"$work/alerting.log" 2>&1 &
pids+=($!)
wait_live "$alerting_port" "${pids[-1]}" "$work/alerting.log"

# the rows, once the service has migrated the database
if [ -z "${CW_BENCH_DB:-}" ]; then
  "${loader[@]}" "jdbc:postgresql://127.0.0.1:5432/$db" postgres "$executions" "$findings" 6 "$days" | tee "$work/load.txt"
  "${pg[@]}" -d postgres -c "comment on database $db is '$(cat "$work/load.txt")'"
else
  "${pg[@]}" -d postgres -c "select shobj_description(oid, 'pg_database') from pg_database where datname = '$db'" \
    | tee "$work/load.txt"
fi
busiest=$(sed -n 's/.* busiest=\([^ ]*\).*/\1/p' "$work/load.txt")

# ingest, for the sources page. The real ingest service needs a Kafka broker to start (its source registry is a
# transactional topic), and its view of the sources is its own (in memory and Kafka), not the store's: what the
# volumes do not change is played by a stub that answers GET /api/v1/sources in ingest's recorded format (the
# fixture ConsolePagesTest uses) with 60 sources, and refuses a request without a bearer token.
python3 - "$ingest_port" console-service/src/test/resources/ingest/sources-page-1.json >"$work/ingest.log" 2>&1 <<'PY' &
import copy, json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
item = json.load(open(sys.argv[2]))["items"][0]
items = []
for n in range(60):
    s = copy.deepcopy(item)
    s["id"] = "src_BENCH%04d" % n
    s["name"] = "bench source %d" % n
    s["kind"] = ["github", "okta", "aws-cloudtrail", "generic"][n % 4]
    s["disabled"] = n % 20 == 19
    s["activity"]["idle"] = n % 7 == 3
    items.append(s)
body = json.dumps({"items": items, "next": None, "hasMore": False}).encode()
class Sources(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/q/health/live":
            code, out = 200, b'{"status":"UP"}'
        elif not self.path.startswith("/api/v1/sources"):
            code, out = 404, b"{}"
        elif not self.headers.get("Authorization", "").startswith("Bearer "):
            code, out = 401, b"{}"
        else:
            code, out = 200, body
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    def log_message(self, *args):
        pass
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sources).serve_forever()
PY
pids+=($!)
wait_live "$ingest_port" "${pids[-1]}" "$work/ingest.log"

key=$(grep -v -- '-----' "$work/jwt-public.pem" | tr -d '\n')
java -Xmx256m -Dquarkus.http.port="$console_port" \
  -Dquarkus.oidc.application-type=service -Dquarkus.oidc.auth-server-url= -Dquarkus.oidc.public-key="$key" \
  -Dquarkus.oidc.token.issuer=controlwatch -Dquarkus.oidc.token.refresh-expired=false -Dquarkus.oidc.logout.path= \
  -Dcw.console.alerting-url="http://127.0.0.1:$alerting_port" -Dcw.console.ingest-url="http://127.0.0.1:$ingest_port" \
  -Dcw.console.pack-file="$PWD/control-packs/soc2/controls.yaml" \
  -jar console-service/target/quarkus-app/quarkus-run.jar >"$work/console.log" 2>&1 &
pids+=($!)
wait_live "$console_port" "${pids[-1]}" "$work/console.log"

console="http://127.0.0.1:$console_port"
api="http://127.0.0.1:$alerting_port/api/v1"
open='status=OPEN&status=ACKNOWLEDGED'
# the API's periods as the console asks them (ConsoleResource.period: to = the next whole minute)
to=$(date -u -d "@$(( ($(date +%s) / 60 + 1) * 60 ))" +%Y-%m-%dT%H:%M:%SZ)
from7=$(date -u -d "$to - 7 days" +%Y-%m-%dT%H:%M:%SZ)
from90=$(date -u -d "$to - 90 days" +%Y-%m-%dT%H:%M:%SZ)

# a deep page of the open findings: the cursor after half of them (the API's cursors are the console's)
unresolved=$(sed -n 's/.* unresolved=\([^ ]*\).*/\1/p' "$work/load.txt")
deep_cursor=""
for _ in $(seq 1 $((unresolved / 2 / 100))); do
  deep_cursor=$(curl -sf "${auth[@]}" "$api/findings?$open&limit=100${deep_cursor:+&cursor=$deep_cursor}" | jq -r .next)
done
deep_at=$((unresolved / 2 / 100 * 100))

# name, url: warm-ups, then $requests timed requests; every answer must be a 200
results="$work/results.tsv"
: >"$results"
measure() {
  local name=$1 url=$2 times code t
  times="$work/times-$(echo "$name" | tr -c 'A-Za-z0-9' _)"
  : >"$times"
  for i in $(seq 1 $((warmups + requests))); do
    read -r code t < <(curl -s -o /dev/null "${auth[@]}" -w '%{http_code} %{time_starttransfer}\n' "$url")
    [ "$code" = 200 ] || { echo "$name: HTTP $code from $url" >&2; exit 1; }
    if [ "$i" -gt "$warmups" ]; then echo "$t" >>"$times"; fi
  done
  # median, p95 (nearest rank), max, in milliseconds
  sort -g "$times" | awk -v name="$name" '{ t[NR] = $1 * 1000 }
    END { p95 = int(NR * 0.95 + 0.999); printf "%s\t%.0f\t%.0f\t%.0f\n", name, t[int((NR + 1) / 2)], t[p95], t[NR] }' \
    | tee -a "$results"
}

echo "# console pages (as an analyst)"
measure "posture (7 days)" "$console/posture"
measure "posture (90 days)" "$console/posture?days=90"
measure "findings, first page" "$console/findings"
measure "findings, page at $deep_at" "$console/findings?cursor=$deep_cursor"
measure "findings table (live refresh)" "$console/findings/table"
measure "control $busiest (7 days)" "$console/controls/$busiest"
measure "control $busiest (90 days)" "$console/controls/$busiest?days=90"
measure "sources" "$console/sources"
measure "control matrix (7 days)" "$console/matrix"
measure "control matrix (90 days)" "$console/matrix?days=90"
measure "control matrix CSV (7 days)" "$console/matrix.csv"
pages=$(wc -l <"$results")
echo "# the alerting API calls behind them"
measure "API report, 7 days" "$api/reports/operating-effectiveness?from=$from7&to=$to"
measure "API report, 90 days" "$api/reports/operating-effectiveness?from=$from90&to=$to"
measure "API report, 7 days, one control" "$api/reports/operating-effectiveness?from=$from7&to=$to&control=$busiest"
measure "API findings, open, first 100" "$api/findings?$open&limit=100"
measure "API findings, open, 100 at $deep_at" "$api/findings?$open&limit=100&cursor=$deep_cursor"
measure "API findings, open, one control" "$api/findings?$open&control=$busiest&limit=100"
measure "API executions, one control, 20" "$api/executions?control=$busiest&limit=20"
measure "API executions, newest 1000" "$api/executions?limit=1000"
measure "API controls" "$api/controls"

{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); server time (ms, time to first byte on 127.0.0.1), $requests requests each after $warmups warm-ups"
  printf '| %s | %s | %s | %s |\n' page median p95 max
  echo '|---|---:|---:|---:|'
  awk -F'\t' '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }' "$results"
  head -n "$pages" "$results" | sort -t$'\t' -k3,3g | tail -1 | awk -F'\t' -v r="$requests" -v over="$(head -n "$pages" "$results" | awk -F'\t' '$4 > 1000' | wc -l)" \
    '{ printf "RESULT requests_per_page=%s slowest_page=\"%s\" slowest_p95_ms=%s slowest_max_ms=%s pages_with_max_over_1s=%s ", r, $1, $3, $4, over }'
  cat "$work/load.txt"
} | tee bench/results/console-benchmark.txt
