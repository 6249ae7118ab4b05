#!/usr/bin/env bash
# Posts a small, realistic stream of CloudEvents to the local ingest service: one batch of 3-8
# events about every 2 s. Mostly logins (some without MFA, some failed), plus event types no
# control covers yet (backups, uptime checks, merged pull requests).
#
# Usage: deploy/local/demo-feed.sh [--count N]   (default: until stopped; up.sh --demo runs it)
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COUNT=0
while (($#)); do
  case $1 in
    --count)
      [[ ${2:-} =~ ^[0-9]+$ ]] || die "--count needs a number"
      COUNT=$2
      shift 2
      ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

# The token as a header file (up.sh renews it), so that it never appears on curl's command line.
AUTH_HEADER="$CW_RUN/auth/ingest.header"
URL="http://127.0.0.1:${CW_INGEST_PORT:-8081}/api/v1/events"
[[ -r $AUTH_HEADER ]] || die "$AUTH_HEADER not found: run deploy/local/up.sh first"

USERS=(alice@example.com bob@example.com carol@example.com dave@example.com erin@example.com frank@example.com)
APPS=(aws-console github okta-admin jira salesforce)
IPS=(203.0.113.7 203.0.113.24 198.51.100.12 198.51.100.77 192.0.2.45)
SYSTEMS=(postgres-prod s3-audit-logs gitlab-data hr-fileshare)
TARGETS=(https://app.example.com/health https://api.example.com/health https://status.example.com)
REPOS=(example-org/api example-org/web example-org/infra)

pick() { shift $((RANDOM % $#)); echo "$1"; } # one of its arguments, at random
pct() { ((RANDOM % 100 < $1)); } # true with probability $1 %
uuid() { cat /proc/sys/kernel/random/uuid; }

# One CloudEvent: type source subject data-json.
event() {
  printf '{"specversion":"1.0","id":"%s","source":"%s","type":"%s","subject":"%s","time":"%s","datacontenttype":"application/json","data":%s}' \
    "$(uuid)" "$2" "$1" "$3" "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$4"
}

login_event() {
  local user mfa=true outcome=success
  user=$(pick "${USERS[@]}")
  pct 10 && mfa=false
  pct 10 && outcome=failure
  event auth.login https://login.example-idp.com "$user" \
    "$(printf '{"user":"%s","mfa":%s,"outcome":"%s","ip":"%s","app":"%s"}' "$user" "$mfa" "$outcome" "$(pick "${IPS[@]}")" "$(pick "${APPS[@]}")")"
}

other_event() {
  local system target repo number status
  case $((RANDOM % 3)) in
    0)
      system=$(pick "${SYSTEMS[@]}") status=success
      pct 15 && status=failed
      event backup.completed https://backup.example.com "$system" \
        "$(printf '{"system":"%s","status":"%s","sizeBytes":%d}' "$system" "$status" $((RANDOM * 100000 + RANDOM)))"
      ;;
    1)
      target=$(pick "${TARGETS[@]}") status=up
      pct 5 && status=down
      event uptime.check https://uptime.example.com "$target" \
        "$(printf '{"target":"%s","status":"%s","latencyMs":%d}' "$target" "$status" $((20 + RANDOM % 400)))"
      ;;
    2)
      repo=$(pick "${REPOS[@]}") number=$((100 + RANDOM % 900))
      event vcs.pull_request.merged https://github.com/example-org "$repo#$number" \
        "$(printf '{"repository":"%s","number":%d,"author":"%s","approvals":%d}' "$repo" "$number" "$(pick "${USERS[@]}")" $((RANDOM % 3)))"
      ;;
  esac
}

# Exit at once on TERM/INT (down.sh), also while sleeping (see the sleep below).
trap 'exit 0' TERM INT

batch=0
while ((COUNT == 0 || batch < COUNT)); do
  batch=$((batch + 1))
  n=$((3 + RANDOM % 6))
  logins=0
  body=""
  for ((i = 0; i < n; i++)); do
    if pct 80; then
      json=$(login_event)
      logins=$((logins + 1))
    else
      json=$(other_event)
    fi
    body+="${body:+,}$json"
  done
  resp=$(curl -sS --max-time 10 -o - -w '\n%{http_code}' -X POST "$URL" \
    -H 'Content-Type: application/cloudevents-batch+json' -H "@$AUTH_HEADER" \
    --data-binary "[$body]" 2>&1) || true
  status=${resp##*$'\n'}
  line="$(date -u +%H:%M:%S) batch $batch: $n events ($logins auth.login, $((n - logins)) other) -> HTTP $status"
  # Show why on anything but success (first 200 characters of the answer or curl's error).
  if [[ $status != 2?? ]]; then
    resp=${resp%$'\n'*}
    line+=" ${resp//$'\n'/ }"
    line=${line:0:300}
  fi
  echo "$line"
  ((COUNT != 0 && batch >= COUNT)) && break
  # In the background and waited for, so the TERM trap runs without waiting for sleep to end.
  sleep 2 &
  wait $!
done
