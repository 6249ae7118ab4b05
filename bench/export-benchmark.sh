#!/usr/bin/env bash
# Export benchmark (the alerting service's export endpoint, PostgreSQL to signed ZIP): loads N chained executions
# into a scratch database through the project's chain code, starts the alerting service on it, lets it sign the
# checkpoint, then measures GET /api/v1/evidence/verify, an export of the whole period (POST, watched until DONE), the
# bundle's size, the offline verifier on it, and the service's peak RSS (VmHWM). Prints one RESULT line, also kept in
# bench/results/export-benchmark.txt. Not a test: the machine is shared, so compare runs on the same machine only.
#   bench/export-benchmark.sh [rows (1000000)] [partitions (6)] [service max heap (256m)]
# Needs: the local PostgreSQL on 127.0.0.1:5432 (user postgres, trust), java 17, curl, jq, openssl. No Kafka: the
# service runs without a broker (its consumers wait), the rows go straight to PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
partitions=${2:-6}
heap=${3:-256m}
port=${CW_BENCH_PORT:-18093}
db="cw_exportbench_$$"
pg=(psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -qAt)
work="bench/.work/export-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$work/exports"
work=$(cd "$work" && pwd)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  "${pg[@]}" -d postgres -c "drop database if exists $db" >/dev/null 2>&1 || true
  rm -rf "$work/exports"
}
trap cleanup EXIT
now() { date +%s.%N; }

# the service, its migrations and the loader (test classes); package, never install (shared ~/.m2): the classpath is
# taken in the same reactor build, so the project's own modules resolve to their target/ jars (a build of the module
# alone looks for them in ~/.m2, where nothing installs them)
./mvnw -o -B -q package dependency:build-classpath -pl alerting-service -am -DskipTests -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench-classpath.txt
cp=$(cat alerting-service/target/bench-classpath.txt)

"${pg[@]}" -d postgres -c "create database $db"
openssl genpkey -algorithm ed25519 -out "$work/evidence-key.pem" 2>/dev/null
openssl pkey -in "$work/evidence-key.pem" -pubout -out "$work/evidence-pub.pem"
# the JWT key the service trusts and an auditor token (test-support's TestTokens, a fresh key pair per run)
java -cp "alerting-service/target/test-classes:alerting-service/target/classes:$cp" \
  io.controlwatch.alerting.bench.ExportBenchLoad token "$work"

CW_DB_URL="postgresql://127.0.0.1:5432/$db" CW_DB_USER=postgres QUARKUS_HTTP_PORT=$port \
CW_EVIDENCE_SIGNING_KEY="$work/evidence-key.pem" CW_EVIDENCE_PUBLIC_KEY="$work/evidence-pub.pem" \
CW_EXPORTS_DIRECTORY="$work/exports" MP_JWT_VERIFY_PUBLICKEY_LOCATION="$work/jwt-public.pem" \
KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:1 CW_CONSUMER_GROUP="exportbench-$$" CW_EVIDENCE_CHECKPOINT_EVERY=5s \
QUARKUS_LOG_CATEGORY__ORG_APACHE_KAFKA__LEVEL=ERROR \
  java "-Xmx$heap" -jar alerting-service/target/quarkus-app/quarkus-run.jar >"$work/service.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$port/q/health/live" >/dev/null && break
  kill -0 "$pid" 2>/dev/null || { tail -30 "$work/service.log"; exit 1; }
  sleep 1
done
api="http://127.0.0.1:$port/api/v1"

# the rows, once the service has migrated the database
java -cp "alerting-service/target/test-classes:alerting-service/target/classes:$cp" \
  io.controlwatch.alerting.bench.ExportBenchLoad "jdbc:postgresql://127.0.0.1:5432/$db" postgres "$rows" "$partitions" \
  | tee "$work/load.txt"
auth=(-H "Authorization: Bearer $(cat "$work/auditor.token")")
from=$(sed -n 's/.* from=\([^ ]*\).*/\1/p' "$work/load.txt")
to=$(sed -n 's/.* to=\([^ ]*\).*/\1/p' "$work/load.txt")

# the service signs a checkpoint over the loaded heads within its interval (5 s here)
for _ in $(seq 1 180); do
  [ "$("${pg[@]}" -d "$db" -c "select count(*) from evidence_checkpoint")" -gt 0 ] && break
  sleep 1
done

t0=$(now)
verify=$(curl -sf "${auth[@]}" "$api/evidence/verify?from=$from&to=$to")
t1=$(now)
echo "$verify" | jq -c '{result, rowsVerified, rowsPending, discrepancyCount}' | tee "$work/verify.json"
verify_rate=$(echo "$verify" | jq -r --arg s "$(echo "$t1 - $t0" | bc -l)" '.rowsVerified / ($s|tonumber) | floor')

t0=$(now)
location=$(curl -sf -D - -o /dev/null "${auth[@]}" -H 'Content-Type: application/json' "$api/exports" \
  -d "{\"from\":\"$from\",\"to\":\"$to\"}" | tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
export_id=${location##*/}
while :; do
  status=$(curl -sf "${auth[@]}" "$api/exports/$export_id")
  state=$(echo "$status" | jq -r .state)
  [ "$state" = DONE ] && break
  [ "$state" = FAILED ] && { echo "$status"; exit 1; }
  sleep 1
done
t1=$(now)
export_seconds=$(echo "$t1 - $t0" | bc -l)
written=$(echo "$status" | jq -r .rowsWritten)
curl -sf "${auth[@]}" -o "$work/bundle.zip" "$api/exports/$export_id/bundle"
bundle_mib=$(echo "$(stat -c %s "$work/bundle.zip") / 1048576" | bc -l)
hwm_kib=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")

curl -sf "${auth[@]}" "$api/evidence/public-key" | jq -r '.keys[].pem' >"$work/controlwatch-keys.pem"
t0=$(now)
offline=ok
java -jar evidence-integrity/target/evidence-verifier.jar "$work/bundle.zip" --public-key "$work/controlwatch-keys.pem" \
  >"$work/verifier.txt" || offline=failed
t1=$(now)
offline_rate=$(echo "$written / ($t1 - $t0)" | bc -l)
tail -1 "$work/verifier.txt"

{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), service -Xmx$heap"
  printf 'RESULT rows=%s exported=%s export_seconds=%.1f export_rows_per_s=%.0f bundle_mib=%.1f service_peak_rss_mib=%.0f verify_api_rows_per_s=%s offline_verify_rows_per_s=%.0f offline=%s %s\n' \
    "$rows" "$written" "$export_seconds" "$(echo "$written / $export_seconds" | bc -l)" "$bundle_mib" \
    "$(echo "$hwm_kib / 1024" | bc -l)" "$verify_rate" "$offline_rate" "$offline" "$(cat "$work/load.txt")"
} | tee bench/results/export-benchmark.txt
